import type { Pool } from 'pg';
import type { Migration } from './migrations';
import { ident, prepared, type Tx } from './sql';

/** The framework's own table in every service schema: one row per projection and partition. */
export const checkpointsMigration: Migration = {
  id: '0000-projection-checkpoints',
  sql: (s) => `
    CREATE TABLE ${s}.projection_checkpoints (
      projection text NOT NULL,
      topic text NOT NULL,
      partition integer NOT NULL,
      "offset" bigint NOT NULL,
      PRIMARY KEY (projection, topic, partition)
    )`,
};

/**
 * Locks and reads the checkpoint of one partition inside the batch's
 * transaction. The row lock serialises two members that both believe they own
 * the partition during a rebalance: the second waits, then sees the first's
 * offset and skips what was applied. -1 means nothing applied yet.
 */
export async function lockCheckpoint(tx: Tx, schema: string, projection: string, topic: string, partition: number): Promise<bigint> {
  const t = `${ident(schema)}.projection_checkpoints`;
  // One round trip: the no-op update on conflict takes the row lock and returns the stored offset.
  const { rows } = await tx.query<{ offset: string }>(
    prepared(`INSERT INTO ${t} AS c (projection, topic, partition, "offset") VALUES ($1, $2, $3, -1)
     ON CONFLICT (projection, topic, partition) DO UPDATE SET "offset" = c."offset"
     RETURNING "offset"`),
    [projection, topic, partition],
  );
  return BigInt(rows[0].offset);
}

/**
 * Locks one partition's checkpoint and moves it on to `to` (never back) in
 * one statement, returning where it stood: the batch's transaction then needs
 * no second round trip to store it, and the transaction is atomic, so when
 * it is written does not matter. Same lock as lockCheckpoint: a second member
 * waits, then reads the first one's offset. Null when the row does not exist
 * yet (the partition's first batch, or a schema migrated again): then
 * lockCheckpoint and storeCheckpoint, which create it.
 */
export async function advanceCheckpoint(tx: Tx, schema: string, projection: string, topic: string, partition: number, to: bigint): Promise<bigint | null> {
  const t = `${ident(schema)}.projection_checkpoints`;
  // The update joins the locked row, so the lock is taken first; it sees the latest committed offset.
  const { rows } = await tx.query<{ previous: string }>(
    prepared(`WITH prev AS MATERIALIZED (
       SELECT "offset" FROM ${t} WHERE projection = $1 AND topic = $2 AND partition = $3 FOR UPDATE),
     moved AS (
       UPDATE ${t} c SET "offset" = greatest(c."offset", $4) FROM prev
       WHERE c.projection = $1 AND c.topic = $2 AND c.partition = $3 RETURNING 1)
     SELECT "offset" AS previous FROM prev`),
    [projection, topic, partition, to.toString()],
  );
  return rows.length === 0 ? null : BigInt(rows[0].previous);
}

export async function storeCheckpoint(tx: Tx, schema: string, projection: string, topic: string, partition: number, offset: bigint): Promise<void> {
  await tx.query(
    prepared(`UPDATE ${ident(schema)}.projection_checkpoints SET "offset" = $4 WHERE projection = $1 AND topic = $2 AND partition = $3`),
    [projection, topic, partition, offset.toString()],
  );
}

export interface Checkpoint {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export async function readCheckpoints(db: Pool | Tx, schema: string, projection: string, lock = false): Promise<Checkpoint[]> {
  const { rows } = await db.query<{ topic: string; partition: number; offset: string }>(
    prepared(`SELECT topic, partition, "offset" FROM ${ident(schema)}.projection_checkpoints WHERE projection = $1 ORDER BY topic, partition${lock ? ' FOR SHARE' : ''}`),
    [projection],
  );
  return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: String(r.offset) }));
}

/** The checkpoint of one partition without locking it; -1 when nothing was applied. */
export async function readCheckpoint(db: Pool | Tx, schema: string, projection: string, topic: string, partition: number): Promise<bigint> {
  const { rows } = await db.query<{ offset: string }>(
    prepared(`SELECT "offset" FROM ${ident(schema)}.projection_checkpoints WHERE projection = $1 AND topic = $2 AND partition = $3`),
    [projection, topic, partition],
  );
  return rows.length === 0 ? -1n : BigInt(rows[0].offset);
}
