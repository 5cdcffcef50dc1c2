import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { testInfra } from '@espalier/shared/util-testing';
import {
  CheckpointBarrier,
  createPool,
  migrateService,
  ProjectionRunner,
  replayProjection,
  ReplayRefused,
  shadowSchemaOf,
  type ReplayProgress,
} from '@espalier/shared/data-access-postgres';
import { openHarness, type Harness } from '../fixtures/log-harness';
import { chainStep, seenProjection, type SeenRow } from '../fixtures/seen.projection';
import { seenEvent, toRecord } from '../fixtures/seen-events';

/** Replays of a live projection: while events keep coming and readers keep reading, rebuild, compare, swap. */
describe('replay: rebuild into a shadow schema and swap while live', () => {
  let h: Harness;
  let runner: ProjectionRunner;
  let barrier: CheckpointBarrier;
  let n = 0;
  const projection = () => seenProjection({ schema: h.schema, topic: h.topic });
  // The replay tool's own pool, as the CLI has: it holds a connection for its lock and one for the swap.
  let replayPool: Pool;
  const deps = () => ({ pool: replayPool, log: h.log, logger: h.logger });
  const expected = new Map<string, { events: number; chain: string }>();

  async function append(count: number) {
    const events = Array.from({ length: count }, () => seenEvent(`dev-${n % 25}`, n++));
    const positions = (await Promise.all(events.map((e) => h.log.appender.append([toRecord(e, h.topic)])))).flat();
    for (const e of events) {
      const row = expected.get(e.enrollmentId as string) ?? { events: 0, chain: '' };
      expected.set(e.enrollmentId as string, { events: row.events + 1, chain: chainStep(row.chain, e.eventId) });
    }
    return positions;
  }
  async function settled() {
    const positions = await append(1);
    for (const p of h.lastPerPartition(positions)) await barrier.waitFor(h.schema, 'test.seen', p, 30_000);
    for (let i = 0; i < 100; i++) {
      const rows = await h.rows<SeenRow>('SELECT * FROM $schema.seen');
      if (rows.reduce((sum, r) => sum + r.events, 0) === n) return rows;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('live projection did not settle');
  }

  before(async () => {
    h = await openHarness(3);
    replayPool = createPool({ connectionString: testInfra().databaseUrl, applicationName: 'espalier-replay-test', max: 6 });
    barrier = new CheckpointBarrier(h.pool);
    await migrateService(h.pool, { schema: h.schema, migrations: [], projections: [projection()] });
    runner = new ProjectionRunner(projection(), { pool: h.pool, log: h.log, logger: h.logger, barrier }, { maxAttempts: 3 });
    await runner.start();
    await append(600);
    await settled();
  });
  after(async () => {
    await runner.stop();
    await replayPool.end();
    await h.close();
  });

  it('swaps in equal rebuilt tables while appends and reads go on; none fails and the live projection continues on the new tables', async () => {
    const before = await h.pool.query<{ oid: number }>('SELECT to_regclass($1)::oid AS oid', [`"${h.schema}".seen`]);
    let writing = true;
    const failures: unknown[] = [];
    let reads = 0;
    const writer = (async () => {
      while (writing) await append(20).catch((e) => failures.push(e));
    })();
    const reader = (async () => {
      while (writing) {
        await h.rows('SELECT count(*) FROM $schema.seen').then(() => reads++, (e) => failures.push(e));
      }
    })();
    const progress: ReplayProgress[] = [];
    const report = await replayProjection(projection(), deps(), { maxAttempts: 3, swap: true, onProgress: (p) => progress.push(p) });
    writing = false;
    await Promise.all([writer, reader]);

    assert.deepStrictEqual(failures, []);
    assert.ok(reads > 0);
    assert.equal(report.equal, true, JSON.stringify(report.tables));
    assert.equal(report.swapped, true);
    assert.ok(report.tables[0].liveRows > 0);
    assert.ok(progress.some((p) => p.phase === 'swapping') && progress.every((p) => p.done >= 0 && p.remaining >= 0));
    const after = await h.pool.query<{ oid: number }>('SELECT to_regclass($1)::oid AS oid', [`"${h.schema}".seen`]);
    assert.notEqual(after.rows[0].oid, before.rows[0].oid, 'the live name now points at the rebuilt table');
    const leftovers = await h.pool.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [`${shadowSchemaOf(projection())}%`]);
    assert.deepStrictEqual(leftovers.rows, [], 'shadow and retired tables dropped');

    const rows = await settled();
    for (const row of rows) assert.deepStrictEqual({ events: row.events, chain: row.chain }, expected.get(row.enrollment_id), row.enrollment_id);
  });

  it('resumes a kept shadow from its checkpoints instead of starting over', async () => {
    const first = await replayProjection(projection(), deps(), { maxAttempts: 3, keepShadow: true });
    assert.deepStrictEqual([first.equal, first.swapped, first.resumed], [true, false, false]);
    await append(50);
    await settled();
    const second = await replayProjection(projection(), deps(), { maxAttempts: 3, swap: true });
    assert.deepStrictEqual([second.equal, second.swapped, second.resumed], [true, true, true]);
    assert.ok(second.applied <= 51 + 20, `only the new events were applied (${second.applied})`);
  });

  it('an interrupted replay keeps its shadow, and the next run resumes it', async () => {
    const abort = new AbortController();
    await assert.rejects(
      replayProjection(projection(), deps(), { maxAttempts: 3, signal: abort.signal, onProgress: () => abort.abort() }),
      (e: Error) => e instanceof ReplayRefused && /interrupted; run it again to resume/.test(e.message),
    );
    const kept = await h.pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [shadowSchemaOf(projection())]);
    assert.equal(kept.rows.length, 1, 'the shadow is kept');
    const again = await replayProjection(projection(), deps(), { maxAttempts: 3, swap: true });
    assert.deepStrictEqual([again.resumed, again.equal, again.swapped], [true, true, true]);
  });

  it('holds writers of partitions never applied too (their checkpoint rows are made first); a shadow left without tables is started afresh', async () => {
    const quiet = `${h.topic}.quiet`;
    await h.log.provisionTopics([{ topic: quiet, partitions: 4 }]);
    const p = { ...seenProjection({ schema: h.schema, topic: quiet }), name: 'test.quiet', tables: ['quiet'] };
    const quietProjection = { ...p, migrations: [{ id: '0001-test-quiet', sql: (s: string) => p.migrations[0].sql(s).replace(`${s}.seen`, `${s}.quiet`) }], apply: async () => undefined };
    await migrateService(h.pool, { schema: h.schema, migrations: [], projections: [quietProjection] });
    const first = await replayProjection(quietProjection, deps(), { maxAttempts: 3, swap: true });
    assert.deepStrictEqual([first.equal, first.swapped], [true, true]);
    const rows = await h.pool.query(`SELECT partition, "offset"::text AS offset FROM "${h.schema}".projection_checkpoints WHERE projection = 'test.quiet' ORDER BY partition`);
    assert.deepStrictEqual(rows.rows, [0, 1, 2, 3].map((partition) => ({ partition, offset: '-1' })), 'every partition has a row the pause can hold');

    const shadow = shadowSchemaOf(quietProjection);
    await h.pool.query(`CREATE SCHEMA "${shadow}"`);
    await h.pool.query(`CREATE TABLE "${shadow}".schema_migrations AS SELECT * FROM "${h.schema}".schema_migrations WHERE id IN ('0000-projection-checkpoints', '0001-test-quiet')`);
    const again = await replayProjection(quietProjection, deps(), { maxAttempts: 3, swap: true });
    assert.deepStrictEqual([again.resumed, again.equal, again.swapped], [false, true, true]);
  });

  it('refuses a second replay of the same projection, a live schema without its migrations, and a shadow built by other migrations', async () => {
    const blocker = await h.pool.connect();
    try {
      await blocker.query(`SELECT pg_advisory_lock(hashtext('espalier.replay.test.seen'))`);
      await assert.rejects(replayProjection(projection(), deps(), { maxAttempts: 3 }), (e: Error) => e instanceof ReplayRefused && /already running/.test(e.message));
    } finally {
      await blocker.query(`SELECT pg_advisory_unlock(hashtext('espalier.replay.test.seen'))`);
      blocker.release();
    }

    const newer = { ...projection(), migrations: [...projection().migrations, { id: '0002-test-more', sql: (s: string) => `CREATE INDEX ON ${s}.seen (last_at)` }] };
    await assert.rejects(replayProjection(newer, deps(), { maxAttempts: 3 }), (e: Error) => e instanceof ReplayRefused && /schema mismatch: .* lacks migration 0002-test-more/.test(e.message));

    const shadow = shadowSchemaOf(projection());
    await h.pool.query(`CREATE SCHEMA "${shadow}"; CREATE TABLE "${shadow}".schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now()); INSERT INTO "${shadow}".schema_migrations (id, checksum) VALUES ('0001-test-seen', 'other')`);
    await assert.rejects(replayProjection(projection(), deps(), { maxAttempts: 3 }), (e: Error) => e instanceof ReplayRefused && /--fresh/.test(e.message));
    const fresh = await replayProjection(projection(), deps(), { maxAttempts: 3, fresh: true });
    assert.deepStrictEqual([fresh.equal, fresh.resumed], [true, false]);
  });
});
