/**
 * npm run bench:log [-- --events N]
 *
 * Throughput of produce → consume → project through the framework (group
 * commit appender, idempotent producer with acks=all, consumer runner, one
 * PostgreSQL transaction per partition batch with its checkpoint, durable
 * commits), beside two baselines measured in the same run on the same data:
 *   A. kafkajs alone: idempotent producer (acks=all) + eachBatch consumer, no database;
 *   B. PostgreSQL alone: the projection's batched upserts in transactions, no Kafka.
 * The framework's overhead is its rate over the slower baseline.
 * Needs KAFKA_BROKERS and DATABASE_URL (e.g. `eval "$(bash scripts/infra.sh up)"`).
 */
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import type { LogRecord } from '@espalier/contracts/event-log';
import { decodeEvent, type EspalierEvent } from '@espalier/contracts/events';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { ident, migrateService, ProjectionRunner, readCheckpoints, withTransaction } from '@espalier/shared/data-access-postgres';
import { seenProjection } from '../../test/fixtures/seen.projection';
import { seenEvent, toRecord } from '../../test/fixtures/seen-events';
import { countBatches } from './bench-support';
import { appendInChunks } from './commands-bench/direct-enrollments';

const PARTITIONS = 6;
const DEVICES = 10_000;
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (o: object, m: string) => console.error(m, o) };

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`bench: ${name} is required (eval "$(bash scripts/infra.sh up)")`);
  return v;
}

async function freshTopic(log: KafkaEventLog, label: string): Promise<string> {
  const topic = `bench.${label}.${Date.now()}`;
  await log.provisionTopics([{ topic, partitions: PARTITIONS }, { topic: `${topic}.dlq`, partitions: 1 }]);
  return topic;
}

async function baselineKafka(brokers: string[], records: LogRecord[], log: KafkaEventLog): Promise<number> {
  const topic = await freshTopic(log, 'kafkajs');
  const kafka = new Kafka({ clientId: 'bench-baseline', brokers, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `bench-baseline-${Date.now()}`, maxWaitTimeInMs: 100 });
  await Promise.all([producer.connect(), consumer.connect()]);
  await consumer.subscribe({ topic, fromBeginning: true });
  let consumed = 0;
  let done: () => void = () => undefined;
  const all = new Promise<void>((r) => (done = r));
  await consumer.run({
    partitionsConsumedConcurrently: 2,
    eachBatch: async ({ batch }) => {
      // Parse each value, as any real consumer would.
      for (const m of batch.messages) if (m.value) JSON.parse(m.value.toString());
      consumed += batch.messages.length;
      if (consumed >= records.length) done();
    },
  });
  const started = performance.now();
  for (let i = 0; i < records.length; i += 2_000) {
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: records.slice(i, i + 2_000).map((r) => ({ key: r.key, value: r.value, headers: { ...r.headers } })) }] });
  }
  await all;
  const seconds = (performance.now() - started) / 1000;
  await consumer.disconnect();
  await producer.disconnect();
  return records.length / seconds;
}

async function baselinePostgres(pool: Pool, events: EspalierEvent[], batch: number): Promise<number> {
  const schema = `bench_pg_${Date.now()}`;
  const projection = seenProjection({ schema, topic: 'unused' });
  await migrateService(pool, { schema, migrations: [], projections: [projection] });
  const started = performance.now();
  let next = 0;
  // Two writers, as the framework runs two partitions at once.
  const writer = async () => {
    while (next < events.length) {
      const slice = events.slice(next, (next += batch));
      await withTransaction(pool, (tx) =>
        projection.apply({ tx, schema: ident(schema) }, slice.map((event, i) => ({ event, position: { topic: 'unused', partition: 0, offset: String(i) } }))),
      );
    }
  };
  await Promise.all([writer(), writer()]);
  const rate = events.length / ((performance.now() - started) / 1000);
  await pool.query(`DROP SCHEMA ${ident(schema)} CASCADE`);
  return rate;
}

async function framework(pool: Pool, log: KafkaEventLog, events: EspalierEvent[]): Promise<{ rate: number; appendRate: number; batches: number }> {
  const topic = await freshTopic(log, 'framework');
  const schema = `bench_fw_${Date.now()}`;
  const projection = seenProjection({ schema, topic });
  await migrateService(pool, { schema, migrations: [], projections: [projection] });
  const runner = new ProjectionRunner(projection, { pool, log, logger: quiet }, { maxAttempts: 3 });
  const batches = countBatches(runner);
  await runner.start();
  const records = events.map((e) => toRecord(e, topic));
  const started = performance.now();
  // Many small appends in flight, as concurrent requests make them.
  await appendInChunks(log, records, 100, 64);
  const appended = performance.now();
  const ends = await log.endOffsets(topic);
  for (;;) {
    const cps = await readCheckpoints(pool, schema, projection.name);
    const reached = ends.every((e) => BigInt(e.high) === 0n || cps.some((c) => c.partition === e.partition && BigInt(c.offset) + 1n >= BigInt(e.high)));
    if (reached) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const seconds = (performance.now() - started) / 1000;
  await runner.stop();
  const { rows } = await pool.query(`SELECT sum(events)::int AS n FROM ${ident(schema)}.seen`);
  if (rows[0].n !== events.length) throw new Error(`bench: projected ${rows[0].n} events, expected ${events.length}`);
  await pool.query(`DROP SCHEMA ${ident(schema)} CASCADE`);
  return { rate: events.length / seconds, appendRate: events.length / ((appended - started) / 1000), batches: batches() };
}

async function main() {
  const count = arg('events', 100_000);
  const brokers = env('KAFKA_BROKERS').split(',');
  const pool = new Pool({ connectionString: env('DATABASE_URL'), max: 4 });
  const settings = (await pool.query(`SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc`)).rows[0];
  const log = new KafkaEventLog({ brokers, clientId: 'bench', logger: quiet });
  await log.connect();
  const events = Array.from({ length: count }, (_, n) => seenEvent(`device-${n % DEVICES}`, n));
  const records = events.map((e) => toRecord(e, 'unused'));
  // The PostgreSQL baseline gets decoded events, as the framework decodes them itself.
  const decoded = records.map((r) => decodeEvent({ value: r.value, headers: r.headers }) as EspalierEvent);
  console.error(`bench: ${count} events, ${DEVICES} devices, ${PARTITIONS} partitions; PostgreSQL fsync=${settings.fsync} synchronous_commit=${settings.sc}; producer acks=all, idempotent`);

  const kafkaRate = await baselineKafka(brokers, records, log);
  console.error(`  A. kafkajs produce+consume alone:   ${Math.round(kafkaRate)} events/s`);
  const pgRate = await baselinePostgres(pool, decoded, 500);
  console.error(`  B. PostgreSQL batched upserts alone: ${Math.round(pgRate)} events/s (batches of 500)`);
  const fw = await framework(pool, log, events);
  console.error(`  framework produce→consume→project:  ${Math.round(fw.rate)} events/s (append alone ${Math.round(fw.appendRate)}/s, ${fw.batches} partition batches)`);
  const slower = Math.min(kafkaRate, pgRate);
  const ratio = fw.rate / slower;
  console.error(`  ratio to the slower baseline:       ${(ratio * 100).toFixed(0)}%  (targets: ≥ 20000 events/s and ≥ 50%)`);
  process.stdout.write(
    JSON.stringify({ events: count, kafkajsBaseline: Math.round(kafkaRate), postgresBaseline: Math.round(pgRate), framework: Math.round(fw.rate), ratio: Number(ratio.toFixed(3)), targetsMet: fw.rate >= 20_000 && ratio >= 0.5 }) + '\n',
  );
  await log.close();
  await pool.end();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
