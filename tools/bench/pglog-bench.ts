/**
 * node --import tsx tools/bench/pglog-bench.ts [--events N] [--in-flight C] [--chunk K] [--partitions P]
 *
 * Throughput of the PostgreSQL-table event log (libs/shared/data-access-pglog):
 *   1. append: N EnrollmentSeen records by C concurrent callers of K records
 *      each (K = 1 is one record per HTTP request); group commit puts the
 *      callers waiting together into one transaction, each waits for its COMMIT;
 *   2. project: a ProjectionRunner over the same log applies them all (one
 *      transaction per partition batch with its checkpoint), from offset 0;
 *   3. live: append and project at once, until the projection has applied all.
 * Needs DATABASE_URL (e.g. `eval "$(bash scripts/infra.sh up)"`); works in a
 * schema of its own, dropped at the end.
 */
import { Pool } from 'pg';
import type { LogRecord } from '@espalier/contracts/event-log';
import { PgEventLog } from '@espalier/shared/data-access-pglog';
import { ident, migrateService, ProjectionRunner, readCheckpoints } from '@espalier/shared/data-access-postgres';
import { seenProjection } from '../../test/fixtures/seen.projection';
import { seenEvent, toRecord } from '../../test/fixtures/seen-events';
import { countBatches, intArg, requiredEnv, summarize } from './bench-support';

const DEVICES = 10_000;
const quiet = { debug: () => undefined, warn: (o: object, m: string) => console.error(m, o), error: (o: object, m: string) => console.error(m, o) };

async function appendAll(log: PgEventLog, records: LogRecord[], chunk: number, inFlight: number): Promise<{ seconds: number; latencies: number[] }> {
  const latencies: number[] = [];
  let next = 0;
  const caller = async () => {
    while (next < records.length) {
      const slice = records.slice(next, (next += chunk));
      const t = performance.now();
      await log.appender.append(slice);
      latencies.push(performance.now() - t);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, caller));
  return { seconds: (performance.now() - started) / 1000, latencies };
}

async function projectAll(pool: Pool, log: PgEventLog, topic: string, schema: string, work: () => Promise<unknown>): Promise<{ seconds: number; batches: number }> {
  const projection = seenProjection({ schema, topic });
  await migrateService(pool, { schema, migrations: [], projections: [projection] });
  const runner = new ProjectionRunner(projection, { pool, log, logger: quiet }, { maxAttempts: 3 });
  const batches = countBatches(runner);
  const started = performance.now();
  await runner.start();
  await work();
  const ends = await log.endOffsets(topic);
  for (;;) {
    const cps = await readCheckpoints(pool, schema, projection.name);
    if (ends.every((e) => e.high === '0' || cps.some((c) => c.partition === e.partition && BigInt(c.offset) + 1n >= BigInt(e.high)))) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  const { rows } = await pool.query(`SELECT sum(events)::int AS n FROM ${ident(schema)}.seen`);
  const expected = ends.reduce((n, e) => n + Number(e.high), 0);
  if (rows[0].n !== expected) throw new Error(`bench: projected ${rows[0].n} events, expected ${expected}`);
  return { seconds, batches: batches() };
}

async function main(): Promise<void> {
  const count = intArg('events', 50_000);
  const inFlight = intArg('in-flight', 64);
  const chunk = intArg('chunk', 1);
  const partitions = intArg('partitions', 6);
  const url = requiredEnv('DATABASE_URL');
  const pool = new Pool({ connectionString: url, max: 4 });
  const settings = (await pool.query(`SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc`)).rows[0];
  const stamp = Date.now();
  const logSchema = `bench_pglog_${stamp}`;
  const log = new PgEventLog({ connectionString: url, schema: logSchema, logger: quiet, poolSize: 4 });
  await log.connect();
  const topics = [`bench.a.${stamp}`, `bench.b.${stamp}`];
  await log.provisionTopics(topics.flatMap((topic) => [{ topic, partitions }, { topic: `${topic}.dlq`, partitions: 1 }]));
  const events = Array.from({ length: count }, (_, n) => seenEvent(`device-${n % DEVICES}`, n));
  console.error(`bench: ${count} events, ${DEVICES} devices, ${partitions} partitions, ${inFlight} callers × ${chunk} record(s); PostgreSQL fsync=${settings.fsync} synchronous_commit=${settings.sc}`);
  try {
    const appended = await appendAll(log, events.map((e) => toRecord(e, topics[0])), chunk, inFlight);
    const lat = summarize(appended.latencies);
    console.error(`  1. append:  ${Math.round(count / appended.seconds)} records/s; per append call p50 ${lat.p50} ms, p99 ${lat.p99} ms`);
    const projected = await projectAll(pool, log, topics[0], `bench_pglog_p1_${stamp}`, async () => undefined);
    console.error(`  2. project: ${Math.round(count / projected.seconds)} events/s from offset 0 (${projected.batches} partition batches)`);
    const live = await projectAll(pool, log, topics[1], `bench_pglog_p2_${stamp}`, () => appendAll(log, events.map((e) => toRecord(e, topics[1])), chunk, inFlight));
    console.error(`  3. live:    ${Math.round(count / live.seconds)} events/s appended and projected at once (${live.batches} partition batches)`);
    process.stdout.write(
      JSON.stringify({ events: count, inFlight, chunk, partitions, appendPerSecond: Math.round(count / appended.seconds), appendP50Ms: lat.p50, appendP99Ms: lat.p99, projectPerSecond: Math.round(count / projected.seconds), livePerSecond: Math.round(count / live.seconds) }) + '\n',
    );
  } finally {
    await log.close();
    for (const s of [logSchema, `bench_pglog_p1_${stamp}`, `bench_pglog_p2_${stamp}`]) await pool.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`);
    await pool.end();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
