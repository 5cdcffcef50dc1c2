import type { Migration } from '@espalier/shared/data-access-postgres';

/**
 * The webhook service's schema: NanoMDM's token_update_tally per enrollment
 * (bodies of mdm.TokenUpdate carry it), and where delivery began per
 * partition. Its consumer checkpoints are the framework's
 * projection_checkpoints rows named WEBHOOK_CHECKPOINT.
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
];
