/**
 * npm run bench:replay [-- --events N --devices D --only <projection>]
 *
 * Replay rate of every real projection (checkin.enrollments, commands.queue,
 * push.targets, api.registry, api.history) over N events of device traffic
 * (default 1,000,000): per device an Authenticate and a TokenUpdate, then
 * command cycles (CommandSubmitted, CommandQueued, PushSent, CommandDelivered,
 * CommandReported). The events go to fresh bench topics (6 partitions, like
 * the real ones) and the projections to fresh schemas, so the figures do not
 * depend on what the local log already holds. The live projections are
 * brought up to date first (their apply rate is the baseline), then each is
 * replayed exactly as `espalier replay` does: rebuilt into its shadow,
 * compared at equal offsets and swapped. acks=all, fsync on.
 * Needs KAFKA_BROKERS and DATABASE_URL (`eval "$(bash scripts/infra.sh up)"`).
 */
import { randomUUID } from 'node:crypto';
import type { LogRecord } from '@espalier/contracts/event-log';
import { encodeEvent, TOPICS, type EspalierEvent } from '@espalier/contracts/events';
import { buildEvent } from '@espalier/contracts/events/testing';
import { apiProjection, historyProjection } from '@espalier/api/data-access-api';
import { enrollmentsProjection } from '@espalier/checkin/data-access-enrollments';
import { queueProjection } from '@espalier/commands/data-access-queue';
import { pushTargetsProjection } from '@espalier/push/data-access-push';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { createPool, ident, migrateService, ProjectionRunner, readCheckpoints, replayProjection, type Projection } from '@espalier/shared/data-access-postgres';
import { arg, intArg, printLine, requiredEnv, sleep } from './bench-support';
import { appendInChunks } from './commands-bench/direct-enrollments';

const PARTITIONS = 6;
const CYCLE = 5;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (o: object, m: string) => console.error(m, o) };

/** One device's traffic: enrollment, then command cycles, each event stamped a millisecond apart. */
function* deviceTraffic(udid: string, cycles: number, start: number): Generator<EspalierEvent> {
  let t = start;
  const meta = (source: 'checkin' | 'commands' | 'push' | 'api', subject = true) => ({
    eventId: undefined, occurredAt: new Date(t++).toISOString(), source, correlationId: randomUUID(),
    ...(subject ? { enrollmentId: udid, deviceId: udid } : { enrollmentId: null, deviceId: null }),
  });
  const strip = <M extends { eventId: undefined }>(m: M) => {
    const { eventId: _unused, ...rest } = m;
    return rest;
  };
  yield buildEvent('EnrollmentAuthenticated', { meta: strip(meta('checkin')), data: { udid } });
  yield buildEvent('TokenUpdated', { meta: strip(meta('checkin')) });
  for (let c = 0; c < cycles; c++) {
    const commandUuid = randomUUID().toUpperCase();
    const submitted = buildEvent('CommandSubmitted', { meta: strip(meta('api', false)), data: { commandUuid, enrollmentIds: [udid] } });
    yield submitted;
    yield buildEvent('CommandQueued', { meta: { ...strip(meta('commands')), causationId: submitted.eventId }, data: { commandUuid } });
    yield buildEvent('PushSent', { meta: strip(meta('push')) });
    yield buildEvent('CommandDelivered', { meta: strip(meta('commands')), data: { commandUuid } });
    yield buildEvent('CommandReported', { meta: strip(meta('commands')), data: { commandUuid, status: 'Acknowledged' } });
  }
}

async function main(): Promise<void> {
  const events = intArg('events', 1_000_000);
  const devices = intArg('devices', 20_000);
  const only = process.argv.includes('--only') ? arg('only', '') : undefined;
  const pool = createPool({ connectionString: requiredEnv('DATABASE_URL'), applicationName: 'espalier-bench-replay', max: 10 });
  const log = new KafkaEventLog({ brokers: requiredEnv('KAFKA_BROKERS').split(','), clientId: 'espalier-bench-replay', logger: quiet });
  await log.connect();
  const run = Date.now().toString(36);
  const topicOf = new Map(Object.values(TOPICS).map((t) => [t, `bench.replay.${run}.${t}`]));
  await log.provisionTopics([...topicOf.values()].flatMap((topic) => [{ topic, partitions: PARTITIONS }, { topic: `${topic}.dlq`, partitions: 1 }]));
  const onBenchTopics = (p: Projection): Projection => ({ ...p, topics: p.topics.map((t) => topicOf.get(t as never) ?? t) });
  const projections = [
    enrollmentsProjection(`bench_${run}_checkin`),
    queueProjection({ schema: `bench_${run}_commands`, deleteAnswered: false }),
    pushTargetsProjection(`bench_${run}_push`),
    apiProjection(`bench_${run}_api`),
    historyProjection(`bench_${run}_api`),
  ].map(onBenchTopics).filter((p) => only === undefined || p.name === only);
  if (projections.length === 0) throw new Error(`bench: --only names no projection`);
  for (const schema of new Set(projections.map((p) => p.schema))) {
    await migrateService(pool, { schema, migrations: [], projections: projections.filter((p) => p.schema === schema) });
  }

  const perDevice = Math.max(1, Math.round(events / devices));
  const cycles = Math.max(1, Math.round((perDevice - 2) / CYCLE));
  const records: LogRecord[] = [];
  const start = Date.UTC(2026, 0, 1);
  for (let d = 0; d < devices && records.length < events; d++) {
    for (const event of deviceTraffic(randomUUID().toUpperCase(), cycles, start + d * 1000)) {
      const encoded = encodeEvent(event);
      records.push({ ...encoded, topic: topicOf.get(encoded.topic as never) ?? encoded.topic });
      if (records.length >= events) break;
    }
  }
  printLine(`bench:replay — ${records.length.toLocaleString('en-US')} events, ${devices.toLocaleString('en-US')} devices, topics bench.replay.${run}.*, ${PARTITIONS} partitions`);
  let t = Date.now();
  await appendInChunks(log, records, 200, 32);
  printLine(`appended in ${((Date.now() - t) / 1000).toFixed(1)} s (${Math.round(records.length / ((Date.now() - t) / 1000)).toLocaleString('en-US')} events/s, acks=all)`);

  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.topic, (counts.get(r.topic) ?? 0) + 1);
  const eventsOf = (p: Projection) => p.topics.reduce((sum, topic) => sum + (counts.get(topic) ?? 0), 0);

  printLine('\nprojection            events   live apply    replay (rebuild+compare+swap)   writers paused   equal  swapped');
  let totalEvents = 0;
  let totalMs = 0;
  for (const p of projections) {
    t = Date.now();
    const live = new ProjectionRunner(p, { pool, log, logger: quiet }, { maxAttempts: 3, groupId: `bench.replay.${run}.${p.name}` });
    await live.start();
    const ends = new Map<string, bigint>();
    for (const topic of p.topics) for (const e of await log.endOffsets(topic)) if (BigInt(e.high) > 0n) ends.set(`${topic}/${e.partition}`, BigInt(e.high) - 1n);
    for (;;) {
      const at = await readCheckpoints(pool, p.schema, p.name);
      if ([...ends].every(([k, last]) => at.some((c) => `${c.topic}/${c.partition}` === k && BigInt(c.offset) >= last))) break;
      await sleep(200);
    }
    await live.stop();
    const liveMs = Date.now() - t;
    t = Date.now();
    const report = await replayProjection(p, { pool, log, logger: quiet }, { maxAttempts: 3, swap: true });
    const replayMs = Date.now() - t;
    const n = eventsOf(p);
    totalEvents += n;
    totalMs += replayMs;
    const rate = (ms: number) => `${Math.round((n * 1000) / ms).toLocaleString('en-US').padStart(7)}/s`;
    printLine(
      `${p.name.padEnd(20)} ${n.toLocaleString('en-US').padStart(9)}   ${rate(liveMs)}    ${(replayMs / 1000).toFixed(1).padStart(6)} s = ${rate(replayMs)}              ${String(report.livePausedMs).padStart(6)} ms    ${report.equal}   ${report.swapped}`,
    );
  }
  printLine(`\nall ${projections.length}: ${totalEvents.toLocaleString('en-US')} events replayed in ${(totalMs / 1000).toFixed(1)} s = ${Math.round((totalEvents * 1000) / totalMs).toLocaleString('en-US')} events/s (target ≥ 20,000/s per projection)`);
  for (const schema of new Set(projections.map((p) => p.schema))) await pool.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
  await log.close();
  await pool.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
