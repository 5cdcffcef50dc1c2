import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import type { ConsumedRecord, LogPosition } from '@espalier/contracts/event-log';
import { dlqTopicOf, type EspalierEvent } from '@espalier/contracts/events';
import { CheckpointBarrier, createPool, ident, migrateService, ProjectionRunner, replayProjection } from '@espalier/shared/data-access-postgres';
import { PgEventLog } from '@espalier/shared/data-access-pglog';
import { recordingLogger, testInfra, uniqueName, waitUntil } from '@espalier/shared/util-testing';
import { chainStep, seenProjection, type SeenRow } from '../fixtures/seen.projection';
import { seenEvent, toRecord } from '../fixtures/seen-events';

/** The Kafka projection suite's core, over the PostgreSQL-table event log: same runner, same projection, same SQL. */
describe('events appended to the PostgreSQL event log, projected by the ProjectionRunner', () => {
  const databaseUrl = testInfra().databaseUrl;
  const logSchema = uniqueName('pglog');
  const schema = uniqueName('test');
  const topic = `${uniqueName('t').toLowerCase()}.enrollment`;
  const logger = recordingLogger();
  const logs: PgEventLog[] = [];
  const runners: ProjectionRunner[] = [];
  let pool: Pool;
  let log: PgEventLog;
  let barrier: CheckpointBarrier;
  const events: EspalierEvent[] = [];
  const projection = () => seenProjection({ schema, topic });

  const openLog = async () => {
    const l = new PgEventLog({ connectionString: databaseUrl, schema: logSchema, logger, consumer: { ownershipCheckMs: 150 }, poll: { minMs: 10, maxMs: 50 }, poolSize: 4 });
    await l.connect();
    logs.push(l);
    return l;
  };
  const startRunner = async (l: PgEventLog, b?: CheckpointBarrier) => {
    const r = new ProjectionRunner(projection(), { pool, log: l, logger, barrier: b }, { maxAttempts: 3 });
    runners.push(r);
    await r.start();
    return r;
  };
  const append = async (batch: EspalierEvent[], l = log): Promise<LogPosition[]> => {
    events.push(...batch);
    return (await Promise.all(batch.map((e) => l.appender.append([toRecord(e, topic)])))).flat();
  };
  /** What the seen table must hold after every appended EnrollmentSeen applied exactly once, in order. */
  const expectedRows = () => {
    const expected = new Map<string, { events: number; chain: string }>();
    for (const e of events.filter((x) => (x.data as { messageType?: string }).messageType !== 'Poison')) {
      const row = expected.get(e.enrollmentId as string) ?? { events: 0, chain: '' };
      expected.set(e.enrollmentId as string, { events: row.events + 1, chain: chainStep(row.chain, e.eventId) });
    }
    return expected;
  };
  const rows = async () => (await pool.query<SeenRow>(`SELECT * FROM ${ident(schema)}.seen ORDER BY enrollment_id`)).rows;
  const allApplied = async () => {
    const expected = expectedRows();
    const got = await rows();
    return got.length === expected.size && got.every((r) => JSON.stringify({ events: r.events, chain: r.chain }) === JSON.stringify(expected.get(r.enrollment_id)));
  };

  before(async () => {
    pool = createPool({ connectionString: databaseUrl, applicationName: 'espalier-test', max: 6 });
    log = await openLog();
    await log.provisionTopics([
      { topic, partitions: 3 },
      { topic: dlqTopicOf(topic), partitions: 1 },
    ]);
    barrier = new CheckpointBarrier(pool);
    await migrateService(pool, { schema, migrations: [], projections: [projection()] });
  });
  after(async () => {
    for (const r of runners) await r.stop();
    for (const l of logs) await l.close();
    await pool.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    await pool.query(`DROP SCHEMA IF EXISTS ${ident(logSchema)} CASCADE`);
    await pool.end();
  });

  it('applies every appended event exactly once, in order per enrollment, and the barrier sees it', async () => {
    const runner = await startRunner(log, barrier);
    const positions = await append(Array.from({ length: 300 }, (_, n) => seenEvent(`dev-${n % 20}`, n)));
    assert.equal(new Set(positions.map((p) => `${p.partition}/${p.offset}`)).size, 300);
    const last = new Map<number, LogPosition>();
    for (const p of positions) if (!last.has(p.partition) || BigInt(p.offset) > BigInt(last.get(p.partition)!.offset)) last.set(p.partition, p);
    for (const p of last.values()) await barrier.waitFor(schema, 'test.seen', p, 30_000);
    assert.ok(await allApplied());
    assert.equal(runner.stats.applied, 300);
    assert.equal(runner.stats.alreadyApplied, 0);
  });

  it('sends a poison event to the DLQ topic of the same log, and the partition goes on', async () => {
    const device = 'dev-poison';
    await append([seenEvent(device, 1000), seenEvent(device, 1001, 'Poison')]);
    const [later] = await append([seenEvent(device, 1002, 'Later')]);
    await barrier.waitFor(schema, 'test.seen', later, 30_000);
    const dead: ConsumedRecord[] = [];
    const reader = log.subscribe({ groupId: uniqueName('reader'), topics: [dlqTopicOf(topic)], fromBeginning: true, handleBatch: async (b) => void dead.push(...b.records) });
    await reader.start();
    try {
      await waitUntil('the dead letter', () => dead.length >= 1);
    } finally {
      await reader.stop();
    }
    assert.equal(dead.length, 1);
    assert.equal(dead[0].headers['espalier-dlq-error'], 'test projection: poison event');
    assert.ok(await allApplied());
  });

  it('two runners of one projection (two logs, as two processes) split the partitions; stopping one mid-stream loses and repeats nothing', async () => {
    const second = await openLog();
    const other = await startRunner(second, new CheckpointBarrier(pool));
    // Each member session holds its member lock plus its partitions: 1 + 2 and 1 + 1 once split.
    const locks = async () =>
      (
        await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid)
           WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1 GROUP BY pid`,
          [`espalier-pglog-member:${other.groupId}`],
        )
      ).rows.map((r) => r.n).sort();
    await waitUntil('partitions split between the runners', async () => JSON.stringify(await locks()) === '[2,3]', 10_000);
    const stream = (async () => {
      for (let round = 0; round < 20; round++) {
        await append(Array.from({ length: 20 }, (_, n) => seenEvent(`dev-${n}`, 2000 + round * 20 + n)), round % 2 ? log : second);
        if (round === 8) await runners[0].stop();
      }
    })();
    await stream;
    await waitUntil('all applied by the remaining runner', allApplied, 30_000);
    assert.ok(other.stats.applied > 0, 'the second runner applied events');
  });

  it('rebuilds into a shadow schema equal to the live tables (replay over the table log)', async () => {
    const report = await replayProjection(projection(), { pool, log, logger }, { maxAttempts: 3 });
    assert.equal(report.equal, true, JSON.stringify(report.tables));
    assert.equal(report.skippedPoison, 1);
  });

  it('trusts its database over the group: tables dropped and migrated again are rebuilt from offset 0', async () => {
    for (const r of runners) await r.stop();
    const before = await rows();
    await pool.query(`DROP SCHEMA ${ident(schema)} CASCADE`);
    await migrateService(pool, { schema, migrations: [], projections: [projection()] });
    const runner = await startRunner(log, new CheckpointBarrier(pool));
    await waitUntil('rebuilt behind the group', async () => JSON.stringify(await rows()) === JSON.stringify(before), 30_000);
    assert.equal(runner.stats.alreadyApplied, 0, 'startOffsets put the partitions at the checkpoints: nothing delivered twice');
  });
});
