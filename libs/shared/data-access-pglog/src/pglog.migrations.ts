import type { Migration } from '@espalier/shared/data-access-postgres';

/**
 * The embedded log's own tables. `partitions.next_offset` is each partition's
 * high watermark: an append locks the row, numbers its records from it and
 * moves it on in the same transaction, so offsets are dense, unique and
 * become visible in offset order (the next append of that partition waits
 * for the row lock, i.e. for this COMMIT). `committed_offsets` is what each
 * consumer group committed (the next offset it reads), as Kafka's
 * __consumer_offsets.
 */
export const pglogMigrations: readonly Migration[] = [
  {
    id: '0001-event-log',
    sql: (s) => `
      CREATE TABLE ${s}.topics (
        topic text PRIMARY KEY,
        partitions integer NOT NULL CHECK (partitions > 0),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE ${s}.partitions (
        topic text NOT NULL REFERENCES ${s}.topics,
        partition integer NOT NULL,
        next_offset bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (topic, partition)
      );
      CREATE TABLE ${s}.records (
        topic text NOT NULL,
        partition integer NOT NULL,
        "offset" bigint NOT NULL,
        key text,
        value bytea,
        headers jsonb NOT NULL DEFAULT '{}',
        "timestamp" timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (topic, partition, "offset")
      );
      CREATE TABLE ${s}.committed_offsets (
        group_id text NOT NULL,
        topic text NOT NULL,
        partition integer NOT NULL,
        "offset" bigint NOT NULL,
        committed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (group_id, topic, partition)
      )`,
  },
];
