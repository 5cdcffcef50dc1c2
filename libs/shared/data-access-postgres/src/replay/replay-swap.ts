import type { Pool } from 'pg';
import { readCheckpoints, type Checkpoint } from '../checkpoints';
import type { Projection } from '../projection';
import { compareTables, type TableComparison } from '../table-comparison';
import { ident } from '../sql';
import { sameOffsets } from './replay-offsets';

export interface SwapOptions {
  /** Replace the live tables when they compare equal; false: compare only. */
  readonly swap: boolean;
  /** How long the shadow may take to reach the paused live offsets. */
  readonly catchUpMs: number;
  /** lock_timeout for the swap's locks: a long reader makes the swap give up and try again, not queue every request behind it. */
  readonly lockTimeoutMs: number;
  /** Where the replaced live tables go (dropped by the caller unless kept). */
  readonly retiredSchema: string;
}

export type SwapResult =
  | { readonly kind: 'retry'; readonly reason: string }
  | { readonly kind: 'done'; readonly offsets: Checkpoint[]; readonly tables: TableComparison[]; readonly swapped: boolean; readonly livePausedMs: number };

const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Compares and swaps in one transaction. Holding the live checkpoints FOR
 * SHARE pauses the live projection's writers (their batch transaction locks
 * its checkpoint row first) without blocking readers; the shadow runner,
 * told to stop exactly there, catches up; equal tables at equal offsets are
 * then moved: live ones out, shadow ones in, under ACCESS EXCLUSIVE locks
 * that readers wait on only for the renames. Services address tables by
 * name, so their next statement finds the rebuilt ones; the checkpoints
 * stay, being the same offsets.
 */
export async function compareAndSwap(
  pool: Pool,
  projection: Projection<unknown>,
  shadow: string,
  until: Map<string, bigint>,
  options: SwapOptions,
): Promise<SwapResult> {
  const client = await pool.connect();
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
    const tables = await compareTables(client, projection.schema, shadow, projection.tables);
    const equal = tables.every((t) => t.equal);
    if (!equal || !options.swap) {
      await client.query('ROLLBACK');
      return { kind: 'done', offsets: live, tables, swapped: false, livePausedMs: Date.now() - paused };
    }
    const liveSchema = ident(projection.schema);
    await client.query(`CREATE SCHEMA ${ident(options.retiredSchema)}`);
    await client.query(`LOCK TABLE ${projection.tables.map((t) => `${liveSchema}.${ident(t)}`).join(', ')} IN ACCESS EXCLUSIVE MODE`);
    // Out first: indexes and constraints move with their table, and their names are unique per schema.
    for (const t of projection.tables) await client.query(`ALTER TABLE ${liveSchema}.${ident(t)} SET SCHEMA ${ident(options.retiredSchema)}`);
    for (const t of projection.tables) await client.query(`ALTER TABLE ${ident(shadow)}.${ident(t)} SET SCHEMA ${liveSchema}`);
    await client.query('COMMIT');
    return { kind: 'done', offsets: live, tables, swapped: true, livePausedMs: Date.now() - paused };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((error as { code?: string }).code === LOCK_NOT_AVAILABLE) return { kind: 'retry', reason: 'a lock was not granted within the lock timeout (long-running readers or writers)' };
    throw error;
  } finally {
    client.release();
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
