import type { Pool } from 'pg';
import { queueProjection, type QueueStateReader } from '@espalier/commands/data-access-queue';
import { createEvent, TOPICS } from '@espalier/contracts/events';
import { ident, type Tx } from '@espalier/shared/data-access-postgres';
import { uuidv7 } from '@espalier/shared/util-ids';
import { idleReport } from '@espalier/shared/util-testing';
import { summarize } from '../bench-support';
import { HEAVY_ID } from './queue-load';

export interface Clearing {
  readonly entries: number;
  /** Apply plus commit, as the projection runner does it for one event. */
  readonly ms: number;
  readonly rowsWritten: number;
  readonly writes: Writes;
}

type Writes = Record<string, { inserted: number; updated: number; deleted: number }>;

/**
 * This backend's row writes per table not yet flushed to the cumulative
 * statistics. Since PostgreSQL 15 that can include earlier transactions on
 * the same connection, so a transaction's own writes are the difference
 * between its start and end (nothing is flushed mid-transaction).
 */
async function writesSoFar(tx: Tx, schema: string): Promise<Writes> {
  const { rows } = await tx.query<{ relname: string; inserted: number; updated: number; deleted: number }>(
    `SELECT relname, n_tup_ins::int AS inserted, n_tup_upd::int AS updated, n_tup_del::int AS deleted FROM pg_stat_xact_user_tables WHERE schemaname = $1`,
    [schema],
  );
  return Object.fromEntries(rows.map((r) => [r.relname, { inserted: r.inserted, updated: r.updated, deleted: r.deleted }]));
}

function delta(before: Writes, after: Writes): Writes {
  const changed: Writes = {};
  for (const [table, w] of Object.entries(after)) {
    const b = before[table] ?? { inserted: 0, updated: 0, deleted: 0 };
    const d = { inserted: w.inserted - b.inserted, updated: w.updated - b.updated, deleted: w.deleted - b.deleted };
    if (d.inserted + d.updated + d.deleted > 0) changed[table] = d;
  }
  return changed;
}

/**
 * An Authenticate applied through the projection's own apply, in one
 * transaction as the runner does; the backend's table statistics
 * (pg_stat_xact_user_tables) say how many rows it wrote.
 */
async function clear(pool: Pool, schema: string, enrollmentId: string): Promise<Clearing> {
  const s = ident(schema);
  const { rows: counted } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${s}.enrollment_commands WHERE enrollment_id = $1`, [enrollmentId]);
  const event = createEvent(
    'EnrollmentAuthenticated',
    { enrollmentType: 'Device', udid: enrollmentId, topic: '', certificate: null, raw: idleReport().toString('base64') },
    { eventId: uuidv7(), occurredAt: new Date().toISOString(), enrollmentId, deviceId: enrollmentId, source: 'checkin', correlationId: uuidv7(), causationId: null },
  );
  const projection = queueProjection({ schema });
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    const before = await writesSoFar(tx, schema);
    const started = performance.now();
    await projection.apply({ tx, schema: s }, [{ event, position: { topic: TOPICS.enrollment, partition: 0, offset: '0' } }]);
    const applied = performance.now() - started;
    const writes = delta(before, await writesSoFar(tx, schema));
    const committing = performance.now();
    await tx.query('COMMIT');
    const ms = applied + (performance.now() - committing);
    const rowsWritten = Object.values(writes).reduce((sum, w) => sum + w.inserted + w.updated + w.deleted, 0);
    return { entries: counted[0].n, ms: Number(ms.toFixed(2)), rowsWritten, writes };
  } catch (error) {
    await tx.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}

/** p50 of Idle lookups for one enrollment, and whether it got a command. */
async function idleLookups(reader: QueueStateReader, enrollmentId: string, certHash: string, times = 50): Promise<{ p50: number; next: boolean }> {
  const latencies: number[] = [];
  let next = false;
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    const state = await reader.reportState({
      enrollmentId,
      deviceChannelId: enrollmentId,
      certHash,
      commandUuid: '',
      next: { excludeCommandUuid: null, skipNotNow: false },
      deleteAnswered: false,
    });
    latencies.push(performance.now() - t);
    next = state.next !== null;
  }
  return { p50: summarize(latencies, 2).p50, next };
}

/**
 * Clearing the heavy enrollment's queue and a 10-entry one: both should cost
 * one devices row, whatever the queue's length; and the heavy enrollment's
 * next lookup should skip its cleared entries through the index.
 */
export async function timeClearing(pool: Pool, schema: string, reader: QueueStateReader) {
  const s = ident(schema);
  const { rows } = await pool.query<{ id: string; hash: string }>(
    `SELECT a.device_id AS id, a.cert_hash AS hash FROM ${s}.cert_associations a WHERE a.device_id = $1
     UNION ALL (SELECT a.device_id, a.cert_hash FROM ${s}.cert_associations a WHERE a.device_id <> $1 LIMIT 1)`,
    [HEAVY_ID],
  );
  const [heavy, light] = rows;
  const before = await idleLookups(reader, heavy.id, heavy.hash);
  const heavyClearing = await clear(pool, schema, heavy.id);
  const lightClearing = await clear(pool, schema, light.id);
  const after = await idleLookups(reader, heavy.id, heavy.hash);
  if (!before.next || after.next) throw new Error(`bench: clearing did not behave: next command before ${before.next}, after ${after.next}`);
  return { heavy: heavyClearing, light: lightClearing, heavyLookupBeforeMs: before.p50, heavyLookupAfterMs: after.p50 };
}
