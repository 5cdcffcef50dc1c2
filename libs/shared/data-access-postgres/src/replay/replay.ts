import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { checkpointsMigration, readCheckpoints, type Checkpoint } from './checkpoints';
import { runMigrations } from './migrations';
import { consumerGroupOf, type Projection } from './projection';
import { ProjectionRunner, type RunnerLogger } from './projection-runner';
import { compareTables, type TableComparison } from './table-comparison';
import { ident, withTransaction } from './sql';

export interface ReplayDeps {
  readonly pool: Pool;
  readonly log: EventLog & { deleteGroup?(groupId: string): Promise<void> };
  readonly logger: RunnerLogger;
}

export interface ReplayOptions {
  readonly maxAttempts: number;
  /** Keep the rebuilt shadow schema for inspection instead of dropping it. */
  readonly keepShadow?: boolean;
  readonly timeoutMs?: number;
  /** Rebuilds to retry when the live projection moved on while rebuilding. */
  readonly tries?: number;
}

export interface ReplayReport {
  readonly projection: string;
  readonly liveSchema: string;
  readonly shadowSchema: string;
  readonly offsets: Checkpoint[];
  readonly applied: number;
  readonly skippedPoison: number;
  readonly tables: TableComparison[];
  readonly equal: boolean;
  readonly tries: number;
}

/**
 * Rebuilds a projection from offset 0 into a shadow schema, up to the live
 * projection's checkpoints, then compares the shadow tables with the live
 * ones while holding the live checkpoints (FOR SHARE), so both sides stand at
 * the same offsets during the comparison. If the live side moved on while
 * the shadow was rebuilt, the rebuild starts again at the new offsets.
 */
export async function replayProjection<E>(projection: Projection<E>, deps: ReplayDeps, options: ReplayOptions): Promise<ReplayReport> {
  const shadow = shadowSchemaOf(projection.schema);
  const tries = options.tries ?? 3;
  for (let attempt = 1; attempt <= tries; attempt++) {
    await deps.pool.query(`DROP SCHEMA IF EXISTS ${ident(shadow)} CASCADE`);
    await runMigrations(deps.pool, shadow, [checkpointsMigration, ...projection.migrations]);
    const target = await readCheckpoints(deps.pool, projection.schema, projection.name);
    const stats = await rebuild(projection, deps, options, shadow, target);
    const verdict = await withTransaction(deps.pool, async (tx) => {
      const now = await readCheckpoints(tx, projection.schema, projection.name, true);
      if (!sameOffsets(now, target)) return null;
      return compareTables(tx, projection.schema, shadow, projection.tables);
    });
    if (verdict === null) {
      deps.logger.warn({ projection: projection.name, attempt }, 'replaying: live projection moved on, rebuilding again');
      continue;
    }
    if (!options.keepShadow) await deps.pool.query(`DROP SCHEMA IF EXISTS ${ident(shadow)} CASCADE`);
    return {
      projection: projection.name,
      liveSchema: projection.schema,
      shadowSchema: shadow,
      offsets: target,
      applied: stats.applied,
      skippedPoison: stats.skippedPoison,
      tables: verdict,
      equal: verdict.every((t) => t.equal),
      tries: attempt,
    };
  }
  throw new Error(`replaying ${projection.name}: live projection kept moving during ${tries} rebuilds; retry when traffic is lower`);
}

export function shadowSchemaOf(schema: string): string {
  return `${schema}__replay`;
}

async function rebuild<E>(projection: Projection<E>, deps: ReplayDeps, options: ReplayOptions, shadow: string, target: Checkpoint[]) {
  const until = new Map(target.map((c) => [`${c.topic}/${c.partition}`, BigInt(c.offset)]));
  const groupId = `${consumerGroupOf(projection)}.replay.${randomUUID()}`;
  const runner = new ProjectionRunner(projection, deps, { maxAttempts: options.maxAttempts, schema: shadow, groupId, deadLetter: false, until });
  const pending = target.filter((c) => BigInt(c.offset) >= 0n);
  if (pending.length === 0) return runner.stats;
  await runner.start();
  try {
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const reached = await readCheckpoints(deps.pool, shadow, projection.name);
      if (sameOffsets(reached, target)) break;
      if (Date.now() > deadline) throw new Error(`replaying ${projection.name}: rebuild did not reach the live offsets in time`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await runner.stop();
    await deps.log.deleteGroup?.(groupId).catch(() => undefined);
  }
  return runner.stats;
}

/** Equal offsets for every partition where something was applied (-1 rows count as nothing). */
function sameOffsets(a: Checkpoint[], b: Checkpoint[]): boolean {
  const key = (cs: Checkpoint[]) =>
    cs
      .filter((c) => BigInt(c.offset) >= 0n)
      .map((c) => `${c.topic}/${c.partition}@${c.offset}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}
