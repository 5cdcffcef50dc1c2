import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { checkpointsMigration, readCheckpoints, type Checkpoint } from '../checkpoints';
import { runMigrations } from '../migrations';
import { consumerGroupOf, type Projection } from '../projection';
import { ProjectionRunner, type RunnerLogger } from '../projection-runner';
import type { TableComparison } from '../table-comparison';
import { ident } from '../sql';
import { checkLiveSchema, checkShadowSchema, lockReplay, ReplayRefused } from './replay-guard';
import { progressOf, recordsBetween, type ReplayProgress } from './replay-offsets';
import { compareAtEqualOffsets, ensureCheckpointRows, swapAtEqualOffsets, type Paused } from './replay-swap';

export interface ReplayDeps {
  readonly pool: Pool;
  readonly log: EventLog & { deleteGroup?(groupId: string): Promise<void> };
  readonly logger: RunnerLogger;
}

export interface ReplayOptions {
  readonly maxAttempts: number;
  /** Replace the live tables with the rebuilt ones once they compare equal (default: compare only). */
  readonly swap?: boolean;
  /** Keep the shadow schema (compare-only runs) and the replaced tables (swaps) for inspection. */
  readonly keepShadow?: boolean;
  /** Drop a shadow left by an interrupted replay instead of resuming it. */
  readonly fresh?: boolean;
  /** Give up when the rebuild has not caught up with the live projection by then. */
  readonly timeoutMs?: number;
  /** Compare-and-swap attempts (each pauses the live writers for a moment). */
  readonly tries?: number;
  readonly onProgress?: (progress: ReplayProgress) => void;
  /** Ends the replay early, leaving the shadow to resume from. */
  readonly signal?: AbortSignal;
}

export interface ReplayReport {
  readonly projection: string;
  readonly liveSchema: string;
  readonly shadowSchema: string;
  readonly resumed: boolean;
  /** The offsets at which shadow and live were compared. */
  readonly comparedAt: Checkpoint[];
  /** The offsets at which the rebuilt tables replaced the live ones (later than comparedAt: both applied the same events since); null if not swapped. */
  readonly swappedAt: Checkpoint[] | null;
  readonly applied: number;
  readonly skippedPoison: number;
  readonly tables: TableComparison[];
  readonly equal: boolean;
  readonly swapped: boolean;
  /** Where the replaced tables were kept (with keepShadow), else null: they were dropped. */
  readonly retiredSchema: string | null;
  /** The longest pause of the live projection's writers (taking the comparison's snapshot, or swapping). */
  readonly livePausedMs: number;
  readonly eventsPerSecond: number;
  readonly tries: number;
}

/** Within this many records of the live projection the compare-and-swap is attempted. */
const CLOSE_ENOUGH = 2_000;
const POLL_MS = 200;

export function shadowSchemaOf(projection: Pick<Projection<unknown>, 'schema' | 'name'>): string {
  return `${projection.schema}__replay__${projection.name.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}`;
}

/**
 * Rebuilds a projection from offset 0 into its shadow schema while the
 * services keep serving, follows the live projection until close, then
 * compares at equal offsets and (with `swap`) replaces the live tables in
 * one transaction. Interrupted, it leaves the shadow and its checkpoints:
 * the next run resumes where it stopped.
 */
export async function replayProjection<E>(projection: Projection<E>, callerDeps: ReplayDeps, options: ReplayOptions): Promise<ReplayReport> {
  // Its own pool: a replay holds three connections at once (its lock, the comparison's
  // snapshot, the pause) besides those its runner applies with, so a caller's small pool
  // would starve it; and a comparison of large tables may run past a statement timeout.
  const pool = new Pool({ ...callerDeps.pool.options, max: 8, statement_timeout: undefined, application_name: 'espalier-replay' });
  pool.on('error', () => undefined); // an idle connection dropped by the server: the next query opens another
  try {
    return await lockedReplay(projection, { ...callerDeps, pool }, options);
  } finally {
    await pool.end();
  }
}

async function lockedReplay<E>(projection: Projection<E>, deps: ReplayDeps, options: ReplayOptions): Promise<ReplayReport> {
  const unlock = await lockReplay(deps.pool, projection);
  try {
    await checkLiveSchema(deps.pool, projection as Projection<unknown>);
    await ensureCheckpointRows(deps.pool, projection as Projection<unknown>, async (topic) => (await deps.log.endOffsets(topic)).map((e) => e.partition));
    const shadow = shadowSchemaOf(projection);
    if (options.fresh) await deps.pool.query(`DROP SCHEMA IF EXISTS ${ident(shadow)} CASCADE`);
    const migrations = [checkpointsMigration, ...projection.migrations];
    const resumed = (await checkShadowSchema(deps.pool, shadow, migrations, projection.tables)) === 'resumable';
    await runMigrations(deps.pool, shadow, migrations);
    return await rebuildAndSwap(projection, deps, options, shadow, resumed);
  } finally {
    await unlock();
  }
}

async function rebuildAndSwap<E>(projection: Projection<E>, deps: ReplayDeps, options: ReplayOptions, shadow: string, resumed: boolean): Promise<ReplayReport> {
  const p = projection as Projection<unknown>;
  const until = new Map<string, bigint>();
  const followLive = async () => {
    const live = await readCheckpoints(deps.pool, p.schema, p.name);
    for (const c of live) until.set(`${c.topic}/${c.partition}`, BigInt(c.offset));
    return live;
  };
  const target = await followLive();
  const startedAt = Date.now();
  const startedFrom = await readCheckpoints(deps.pool, shadow, p.name);
  const groupId = `${consumerGroupOf(p)}.replay.${randomUUID()}`;
  let finished: { retired: string | null } | null = null;
  const runner = new ProjectionRunner(projection, deps, { maxAttempts: options.maxAttempts, schema: shadow, groupId, deadLetter: false, until, holdBeyondUntil: true });
  await runner.start();
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 60 * 60_000);
    const tries = options.tries ?? 5;
    let rebuilt = false;
    let verified: { offsets: Checkpoint[]; tables: TableComparison[] } | null = null;
    let pausedMs = 0;
    const retiredSchema = `${shadow}__retired_${Date.now().toString(36)}`;
    const interrupted = () => {
      if (options.signal?.aborted) throw new ReplayRefused(`replay of ${p.name} interrupted; run it again to resume from the shadow's checkpoints`);
    };
    for (let attempt = 1; ; ) {
      interrupted();
      const live = await followLive();
      const reached = await readCheckpoints(deps.pool, shadow, p.name);
      const remaining = recordsBetween(reached, live);
      rebuilt ||= recordsBetween(reached, target) === 0;
      const done = recordsBetween(startedFrom, reached);
      options.onProgress?.(progressOf(p.name, rebuilt ? 'following' : 'rebuilding', done, remaining, Date.now() - startedAt));
      interrupted();
      if (remaining <= CLOSE_ENOUGH) {
        options.onProgress?.(progressOf(p.name, 'swapping', done, remaining, Date.now() - startedAt));
        const pause = { catchUpMs: 3_000, lockTimeoutMs: 2_000 };
        const step: Paused<{ tables: TableComparison[] }> | Paused<{ swapped: true }> = verified === null
          ? await compareAtEqualOffsets(deps.pool, p, shadow, until, pause)
          : await swapAtEqualOffsets(deps.pool, p, shadow, until, { ...pause, retiredSchema });
        if (step.kind === 'retry') {
          deps.logger.warn({ projection: p.name, attempt, reason: step.reason }, 'replaying: compare or swap postponed');
          if (++attempt > tries) throw new Error(`replaying ${p.name}: gave up after ${tries} postponed compares or swaps (${step.reason}); the shadow is kept, run again to resume`);
        } else {
          if ('tables' in step) verified = { offsets: step.offsets, tables: step.tables };
          if (verified === null) throw new Error('replaying: swapped before comparing'); // the order above makes this impossible
          pausedMs = Math.max(pausedMs, step.livePausedMs);
          const swapped = 'swapped' in step;
          const equal = verified.tables.every((t) => t.equal);
          if (swapped || !equal || !options.swap) {
            const elapsed = Date.now() - startedAt;
            // The shadow is dropped once the runner writing it stopped (see replayProjection's finally).
            finished = { retired: swapped ? retiredSchema : null };
            return {
              projection: p.name, liveSchema: p.schema, shadowSchema: shadow, resumed, comparedAt: verified.offsets, swappedAt: swapped ? step.offsets : null,
              applied: runner.stats.applied, skippedPoison: runner.stats.skippedPoison, tables: verified.tables, equal,
              swapped, retiredSchema: swapped && options.keepShadow ? retiredSchema : null, livePausedMs: pausedMs,
              eventsPerSecond: elapsed > 0 ? Math.round((recordsBetween(startedFrom, step.offsets) * 1000) / elapsed) : 0, tries: attempt,
            };
          }
          continue;
        }
      }
      if (Date.now() > deadline) throw new Error(`replaying ${p.name}: the rebuild did not catch up with the live projection in time; run again to resume`);
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    await runner.stop();
    await deps.log.deleteGroup?.(groupId).catch(() => undefined);
    if (finished) await finish(deps.pool, shadow, finished.retired, options.keepShadow ?? false);
  }
}

/** After a swap the shadow holds only its checkpoints, and the retired schema the replaced tables. */
async function finish(pool: Pool, shadow: string, retired: string | null, keep: boolean): Promise<void> {
  if (retired !== null || !keep) await pool.query(`DROP SCHEMA IF EXISTS ${ident(shadow)} CASCADE`);
  if (retired !== null && !keep) await pool.query(`DROP SCHEMA IF EXISTS ${ident(retired)} CASCADE`);
}
