import type { Migration } from '@espalier/shared/data-access-postgres';

/**
 * The webhook service's schema: NanoMDM's token_update_tally per enrollment
 * (bodies of mdm.TokenUpdate carry it), where delivery began per partition,
 * the outbox of webhooks not delivered yet (bodies sealed with -secret-key:
 * a TokenUpdate's carries the UnlockToken) and how far each partition was
 * ingested (watermarks, for the release rule). Its consumer checkpoints are
 * the framework's projection_checkpoints rows named WEBHOOK_CHECKPOINT.
 */
export const webhookMigrations: readonly Migration[] = [
  {
    id: '0100-webhook-tallies',
    sql: (s) => `
      CREATE TABLE ${s}.token_update_tallies (
        enrollment_id text PRIMARY KEY,
        device_id text NOT NULL,
        tally integer NOT NULL
      );
      CREATE INDEX token_update_tallies_device ON ${s}.token_update_tallies (device_id);
      CREATE TABLE ${s}.delivery_start (
        topic text NOT NULL,
        partition integer NOT NULL,
        from_offset bigint NOT NULL,
        PRIMARY KEY (topic, partition)
      )`,
  },
  {
    id: '0101-webhook-outbox',
    sql: (s) => `
      CREATE TABLE ${s}.outbox (
        event_id text PRIMARY KEY,
        device_id text NOT NULL,
        occurred_at timestamptz NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        "offset" bigint NOT NULL,
        gate_topic text NOT NULL,
        gate_partition integer NOT NULL,
        webhook_topic text NOT NULL,
        body jsonb NOT NULL,
        record_key text,
        record_value bytea,
        record_headers jsonb NOT NULL,
        record_timestamp text NOT NULL,
        attempts integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT 'epoch',
        leased_until timestamptz
      );
      CREATE INDEX outbox_device_order ON ${s}.outbox (device_id, topic, "offset");
      CREATE TABLE ${s}.watermarks (
        topic text NOT NULL,
        partition integer NOT NULL,
        seen_until timestamptz NOT NULL,
        PRIMARY KEY (topic, partition)
      )`,
  },
  {
    // A lease's identity: a replica that lost its lease (stalled past it) must not clear or
    // delete a row another replica leased since, or two POSTs of one device could overlap.
    id: '0102-webhook-outbox-lease-id',
    sql: (s) => `ALTER TABLE ${s}.outbox ADD COLUMN lease_id text`,
  },
];
