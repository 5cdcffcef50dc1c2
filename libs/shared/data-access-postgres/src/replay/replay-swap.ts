import type { Pool, PoolClient } from 'pg';
import { readCheckpoints, type Checkpoint } from '../checkpoints';
import type { Projection } from '../projection';
import { compareTables, type TableComparison } from '../table-comparison';
import { ident } from '../sql';
import { sameOffsets } from './replay-offsets';

export interface PauseOptions {
  /** How long the shadow may take to reach the paused live offsets. */
  readonly catchUpMs: number;
  /** lock_timeout while paused: a long writer or reader makes the step give up and try again, not queue every request behind it. */
  readonly lockTimeoutMs: number;
}

export type Paused<T> = { readonly kind: 'retry'; readonly reason: string } | ({ readonly kind: 'done'; readonly offsets: Checkpoint[]; readonly livePausedMs: number } & T);

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Runs `step` with the live projection's writers paused at offsets the
 * shadow has reached. Holding the live checkpoints FOR SHARE pauses the
 * writers (their batch transaction locks its checkpoint row first) without
 * blocking readers; the shadow runner, told to stop exactly there, catches
 * up. The transaction commits when `step` returns; `step` decides how long
 * the pause lasts, so it must be short.
 */
async function whilePaused<T>(
  pool: Pool,
  projection: Projection<unknown>,
  shadow: string,
  until: Map<string, bigint>,
  options: PauseOptions,
  step: (tx: PoolClient, offsets: Checkpoint[]) => Promise<T>,
): Promise<Paused<T>> {
  const client = await pool.connect();
  client.on('error', () => undefined); // a dropped connection fails the query in flight; the pool discards it
  try {
    await client.query('BEGIN');
    await client.query(`SET LOCAL lock_timeout = ${Number(options.lockTimeoutMs)}`);
    const paused = Date.now();
    const live = await readCheckpoints(client, projection.schema, projection.name, true);
    for (const c of live) until.set(`${c.topic}/${c.partition}`, BigInt(c.offset));
    if (!(await reaches(pool, shadow, projection.name, live, options.catchUpMs))) {
      await client.query('ROLLBACK');
      return { kind: 'retry', reason: `the shadow did not reach the live offsets within ${options.catchUpMs} ms` };
    }
    const result = await step(client, live);
    await client.query('COMMIT');
    return { kind: 'done', offsets: live, livePausedMs: Date.now() - paused, ...result };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if (error instanceof LiveMoved) return { kind: 'retry', reason: 'a live writer applied a partition that had no checkpoint row when the pause began' };
    if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) return { kind: 'retry', reason: 'a lock was not granted within the lock timeout (long-running readers or writers)' };
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Compares shadow and live at equal offsets without holding the writers for
 * the comparison: while they are paused, a REPEATABLE READ transaction takes
 * its snapshot (both sides at the same offsets), the pause ends, and the
 * comparison reads that snapshot however long it takes.
 */
export async function compareAtEqualOffsets(
  pool: Pool,
  projection: Projection<unknown>,
  shadow: string,
  until: Map<string, bigint>,
  options: PauseOptions,
): Promise<Paused<{ tables: TableComparison[] }>> {
  const reader = await pool.connect();
  reader.on('error', () => undefined);
  try {
    await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const paused = await whilePaused(pool, projection, shadow, until, options, async (_tx, live) => {
      // The snapshot is taken at the transaction's first statement; it must see the live side at the paused offsets.
      await unmoved(reader, projection, live);
      return {};
    });
    if (paused.kind === 'retry') {
      await reader.query('ROLLBACK');
      return paused;
    }
    const tables = await compareTables(reader, projection.schema, shadow, projection.tables);
    await reader.query('COMMIT');
    return { ...paused, tables };
  } catch (error) {
    await reader.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    reader.release();
  }
}

/**
 * Replaces the live tables with the shadow ones at equal offsets: live ones
 * out to `retiredSchema`, shadow ones in, under ACCESS EXCLUSIVE locks that
 * readers wait on only for the renames. Services address tables by name, so
 * their next statement finds the rebuilt ones; the checkpoints stay, being
 * the same offsets. Nothing is compared again here: the comparison ran at
 * equal offsets, and since then both sides applied the same events with the
 * same code (a count(*) of every table would hold the writers for seconds
 * on large tables).
 */
export async function swapAtEqualOffsets(
  pool: Pool,
  projection: Projection<unknown>,
  shadow: string,
  until: Map<string, bigint>,
  options: PauseOptions & { readonly retiredSchema: string },
): Promise<Paused<{ swapped: true }>> {
  return whilePaused(pool, projection, shadow, until, options, async (tx, offsets) => {
    const live = ident(projection.schema);
    await tx.query(`CREATE SCHEMA ${ident(options.retiredSchema)}`);
    await tx.query(`LOCK TABLE ${projection.tables.map((t) => `${live}.${ident(t)}`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    await unmoved(tx, projection, offsets);
    // Out first: indexes and constraints move with their table, and their names are unique per schema.
    for (const t of projection.tables) await tx.query(`ALTER TABLE ${live}.${ident(t)} SET SCHEMA ${ident(options.retiredSchema)}`);
    for (const t of projection.tables) await tx.query(`ALTER TABLE ${ident(shadow)}.${ident(t)} SET SCHEMA ${live}`);
    return { swapped: true as const };
  });
}

/** Thrown when a live writer got past the pause; the step is retried. */
class LiveMoved extends Error {}

/**
 * FOR SHARE holds only checkpoint rows that exist: a writer applying the
 * first record of a partition inserts its row unhindered. The replay creates
 * those rows beforehand (ensureCheckpointRows); this re-check, once the
 * snapshot or the table locks are taken, catches any writer that still got
 * past (a partition added meanwhile).
 */
async function unmoved(db: PoolClient, projection: Projection<unknown>, paused: readonly Checkpoint[]): Promise<void> {
  if (!sameOffsets(await readCheckpoints(db, projection.schema, projection.name), paused)) throw new LiveMoved();
}

/** A -1 checkpoint row (nothing applied) for every partition of the projection's topics, so the pause covers them all. */
export async function ensureCheckpointRows(pool: Pool, projection: Projection<unknown>, partitionsOf: (topic: string) => Promise<number[]>): Promise<void> {
  for (const topic of projection.topics) {
    const partitions = await partitionsOf(topic);
    await pool.query(
      `INSERT INTO ${ident(projection.schema)}.projection_checkpoints (projection, topic, partition, "offset")
       SELECT $1, $2, p, -1 FROM unnest($3::int[]) AS p ON CONFLICT DO NOTHING`,
      [projection.name, topic, partitions],
    );
  }
}

async function reaches(pool: Pool, shadow: string, projection: string, target: Checkpoint[], withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (sameOffsets(await readCheckpoints(pool, shadow, projection), target)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
}
