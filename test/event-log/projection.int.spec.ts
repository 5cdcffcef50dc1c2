import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dlqTopicOf } from '@espalier/contracts/events';
import type { ConsumedBatch, LogPosition } from '@espalier/contracts/event-log';
import {
  CatchUpTimeoutError,
  CheckpointBarrier,
  migrateService,
  ProjectionRunner,
  readCheckpoints,
  replayProjection,
} from '@espalier/shared/data-access-postgres';
import { waitUntil } from '@espalier/shared/util-testing';
import { openHarness, type Harness } from '../fixtures/log-harness';
import { chainStep, seenProjection, type SeenRow } from '../fixtures/seen.projection';
import { seenEvent, toRecord } from '../fixtures/seen-events';

describe('events appended through Kafka, projected into PostgreSQL', () => {
  let h: Harness;
  let runner: ProjectionRunner;
  let barrier: CheckpointBarrier;
  const projection = () => seenProjection({ schema: h.schema, topic: h.topic });
  const appended: { id: string; eventId: string; position: LogPosition; record: ReturnType<typeof toRecord> }[] = [];

  before(async () => {
    h = await openHarness(3);
    barrier = new CheckpointBarrier(h.pool);
    await migrateService(h.pool, { schema: h.schema, migrations: [], projections: [projection()] });
    runner = new ProjectionRunner(projection(), { pool: h.pool, log: h.log, logger: h.logger, barrier }, { maxAttempts: 3 });
    await runner.start();
  });
  after(async () => {
    await runner.stop();
    await h.close();
  });

  async function append(events: ReturnType<typeof seenEvent>[]) {
    const records = events.map((e) => toRecord(e, h.topic));
    // Concurrent callers, as concurrent HTTP requests would be: group commit batches them.
    const positions = (await Promise.all(records.map((r) => h.log.appender.append([r])))).flat();
    events.forEach((e, i) => appended.push({ id: e.enrollmentId as string, eventId: e.eventId, position: positions[i], record: records[i] }));
    return positions;
  }

  it('applies every appended event once, in order per enrollment, and the barrier sees it', async () => {
    const events = Array.from({ length: 300 }, (_, n) => seenEvent(`dev-${n % 20}`, n));
    const positions = await append(events);
    assert.equal(new Set(positions.map((p) => `${p.partition}/${p.offset}`)).size, 300, 'each event has its own offset');
    for (const p of h.lastPerPartition(positions)) await barrier.waitFor(h.schema, 'test.seen', p, 30_000);
    const rows = await h.rows<SeenRow>('SELECT * FROM $schema.seen ORDER BY enrollment_id');
    assert.equal(rows.length, 20);
    const expected = new Map<string, { events: number; chain: string }>();
    for (const e of events) {
      const row = expected.get(e.enrollmentId as string) ?? { events: 0, chain: '' };
      expected.set(e.enrollmentId as string, { events: row.events + 1, chain: chainStep(row.chain, e.eventId) });
    }
    for (const row of rows) assert.deepEqual({ events: row.events, chain: row.chain }, expected.get(row.enrollment_id));
  });

  it('keys a device to one partition, and positions are where the records really are', async () => {
    const byDevice = new Map<string, Set<number>>();
    for (const a of appended) byDevice.set(a.id, (byDevice.get(a.id) ?? new Set()).add(a.position.partition));
    for (const partitions of byDevice.values()) assert.equal(partitions.size, 1);
    const read = await h.readAll(h.topic, appended.length);
    const at = new Map(read.map((r) => [`${r.partition}/${r.offset}`, r.headers['espalier-event-id']]));
    for (const a of appended) assert.equal(at.get(`${a.position.partition}/${a.position.offset}`), a.eventId);
  });

  it('changes nothing when an applied batch is delivered again', async () => {
    const before = await h.rows<SeenRow>('SELECT * FROM $schema.seen ORDER BY enrollment_id');
    const partition = appended[0].position.partition;
    const batch: ConsumedBatch = {
      topic: h.topic,
      partition,
      records: appended
        .filter((a) => a.position.partition === partition)
        .map((a) => ({ ...a.position, key: a.record.key, value: a.record.value, headers: a.record.headers, timestamp: '0' })),
    };
    const skippedBefore = runner.stats.alreadyApplied;
    await runner.handleBatch(batch);
    assert.equal(runner.stats.alreadyApplied - skippedBefore, batch.records.length);
    assert.deepEqual(await h.rows<SeenRow>('SELECT * FROM $schema.seen ORDER BY enrollment_id'), before);
  });

  it('sends a poison event and an undecodable record to the DLQ with error headers, and later events of the partition still apply', async () => {
    const device = 'dev-poison';
    const [good1, poison, good2] = [seenEvent(device, 1000), seenEvent(device, 1001, 'Poison'), seenEvent(device, 1002, 'Later')];
    await append([good1]);
    const garbage = { topic: h.topic, key: device, value: Buffer.from('{"not":"an event"'), headers: {} };
    const [poisonPos] = await h.log.appender.append([toRecord(poison, h.topic)]);
    await h.log.appender.append([garbage]);
    const [lastPos] = await append([good2]);
    await barrier.waitFor(h.schema, 'test.seen', lastPos, 30_000);
    const [row] = await h.rows<SeenRow>(`SELECT * FROM $schema.seen WHERE enrollment_id = '${device}'`);
    assert.equal(row.events, 2);
    assert.equal(row.last_message, 'Later');
    const dead = await h.readAll(dlqTopicOf(h.topic), 2);
    assert.equal(dead.length, 2);
    const poisoned = dead.find((d) => d.headers['espalier-dlq-original-offset'] === poisonPos.offset);
    assert.ok(poisoned, 'the poison event is in the DLQ');
    assert.equal(poisoned.headers['espalier-dlq-error'], 'test projection: poison event');
    assert.equal(poisoned.headers['espalier-dlq-attempts'], '3');
    assert.equal(poisoned.headers['espalier-dlq-original-topic'], h.topic);
    assert.equal(poisoned.headers['espalier-dlq-original-partition'], String(poisonPos.partition));
    assert.equal(poisoned.headers['espalier-type'], 'EnrollmentSeen');
    assert.deepEqual(poisoned.value, toRecord(poison, h.topic).value, 'exact bytes kept');
    const undecodable = dead.find((d) => d.value?.equals(garbage.value));
    assert.ok(undecodable, 'the undecodable record is in the DLQ');
    assert.match(undecodable.headers['espalier-dlq-error'], /decoding event/);
    assert.equal(runner.stats.deadLettered, 2);
  });

  it('rebuilds the projection from offset 0 into tables equal to the live ones', async () => {
    const report = await replayProjection(projection(), { pool: h.pool, log: h.log, logger: h.logger }, { maxAttempts: 3 });
    assert.equal(report.equal, true, JSON.stringify(report.tables));
    assert.equal(report.tables[0].liveRows, 21);
    assert.equal(report.tables[0].shadowRows, 21);
    assert.equal(report.skippedPoison, 2, 'replay skips the poison events instead of dead-lettering them again');
    const live = await readCheckpoints(h.pool, h.schema, 'test.seen');
    assert.deepEqual(report.comparedAt, live);
  });

  it('reports a difference when the live tables were changed behind the projection', async () => {
    await h.pool.query(`UPDATE "${h.schema}".seen SET events = events + 1 WHERE enrollment_id = 'dev-3'`);
    const report = await replayProjection(projection(), { pool: h.pool, log: h.log, logger: h.logger }, { maxAttempts: 3, keepShadow: true });
    assert.equal(report.equal, false);
    assert.deepEqual({ onlyInLive: report.tables[0].onlyInLive, onlyInShadow: report.tables[0].onlyInShadow }, { onlyInLive: 1, onlyInShadow: 1 });
    const [shadowRow] = (await h.pool.query(`SELECT events FROM "${report.shadowSchema}".seen WHERE enrollment_id = 'dev-3'`)).rows;
    const [liveRow] = await h.rows<{ events: number }>(`SELECT events FROM $schema.seen WHERE enrollment_id = 'dev-3'`);
    assert.equal(liveRow.events, shadowRow.events + 1);
  });

  it('hands over only the event types a projection declares, and still moves its checkpoint past the others', async () => {
    const picky = { ...projection(), name: 'test.picky', eventTypes: new Set(['NoSuchEvent']) };
    let handedOver = 0;
    const counting = { ...picky, apply: async () => void (handedOver += 1) };
    const pickyRunner = new ProjectionRunner(counting, { pool: h.pool, log: h.log, logger: h.logger }, { maxAttempts: 3 });
    const partition = appended[0].position.partition;
    const records = appended
      .filter((a) => a.position.partition === partition)
      .map((a) => ({ ...a.position, key: a.record.key, value: a.record.value, headers: a.record.headers, timestamp: '0' }));
    await pickyRunner.handleBatch({ topic: h.topic, partition, records });
    assert.equal(handedOver, 0, 'no record of another type reached apply()');
    assert.equal(pickyRunner.stats.applied, 0);
    const [checkpoint] = (await readCheckpoints(h.pool, h.schema, 'test.picky')).filter((c) => c.partition === partition);
    assert.equal(checkpoint.offset, records[records.length - 1].offset);
  });

  it('times out a catch-up wait for an offset that is never applied', async () => {
    const future: LogPosition = { topic: h.topic, partition: 0, offset: '999999' };
    await assert.rejects(barrier.waitFor(h.schema, 'test.seen', future, 200), CatchUpTimeoutError);
  });

  it('stops cleanly: a stopped runner applies nothing more, a restarted one resumes where it committed', async () => {
    await runner.stop();
    const positions = await append([seenEvent('dev-resume', 5000), seenEvent('dev-resume', 5001)]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await h.rows(`SELECT * FROM $schema.seen WHERE enrollment_id = 'dev-resume'`)).length, 0);
    runner = new ProjectionRunner(projection(), { pool: h.pool, log: h.log, logger: h.logger, barrier }, { maxAttempts: 3 });
    await runner.start();
    await barrier.waitFor(h.schema, 'test.seen', positions[1], 30_000);
    await waitUntil('resumed events applied', async () => (await h.rows<SeenRow>(`SELECT * FROM $schema.seen WHERE enrollment_id = 'dev-resume'`))[0]?.events === 2);
    assert.equal(runner.stats.alreadyApplied, 0, 'committed offsets mean no re-delivery after a clean stop');
  });

  it('trusts its database over the group: tables dropped and migrated again behind committed offsets are rebuilt from offset 0', async () => {
    // What the events say: the live row of dev-3 was changed behind the projection by an earlier test.
    const before = (await h.rows<SeenRow>('SELECT * FROM $schema.seen ORDER BY enrollment_id')).map((r) => (r.enrollment_id === 'dev-3' ? { ...r, events: r.events - 1 } : r));
    await runner.stop();
    await h.pool.query(`DROP SCHEMA "${h.schema}" CASCADE`);
    await migrateService(h.pool, { schema: h.schema, migrations: [], projections: [projection()] });
    runner = new ProjectionRunner(projection(), { pool: h.pool, log: h.log, logger: h.logger, barrier: new CheckpointBarrier(h.pool) }, { maxAttempts: 3 });
    await runner.start();
    await waitUntil('rebuilt behind the group', async () => (await h.rows('SELECT * FROM $schema.seen')).length === before.length, 30_000);
    await waitUntil('same rows as before', async () => JSON.stringify(await h.rows('SELECT * FROM $schema.seen ORDER BY enrollment_id')) === JSON.stringify(before), 30_000);
  });
});
