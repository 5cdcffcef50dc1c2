import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { Pool } from 'pg';
import type { EventLog, LogConsumer } from '@espalier/contracts/event-log';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { consumerGroupOf, migrateService, ProjectionRunner, type Projection, type ServiceSchema } from '@espalier/shared/data-access-postgres';
import { ConsumerGroupRegistry, ConsumerLagCollector, LAG_CACHE_MS, LAG_TIMEOUT_MS, type MetricFamily } from '@espalier/shared/feature-runtime';
import { freePort, recordingLogger, uniqueName, waitUntil } from '@espalier/shared/util-testing';
import { openHarness, type Harness } from '../fixtures/log-harness';
import { seenProjection } from '../fixtures/seen.projection';
import { seenEvent, toRecord } from '../fixtures/seen-events';

/** Samples of one family whose labels include `labels`, as [labels, value]. */
function samples(families: MetricFamily[], name: string, labels: Record<string, string> = {}) {
  const family = families.find((f) => f.name === name);
  return (family?.samples ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v));
}
const total = (list: ReturnType<typeof samples>) => list.reduce((sum, s) => sum + BigInt(s.value), 0n);

describe('consumer lag read from the real broker and database (the /metrics collector)', () => {
  let h: Harness;
  let projection: Projection;
  let log: EventLog;
  let registry: ConsumerGroupRegistry;
  let collector: ConsumerLagCollector;
  let runner: ProjectionRunner;
  let plain: LogConsumer;
  const plainGroup = uniqueName('espalier.test.plain');

  before(async () => {
    h = await openHarness(2);
    // Its own name: the group of the shared "test.seen" fixture is joined by other test files.
    projection = { ...seenProjection({ schema: h.schema, topic: h.topic }), name: uniqueName('test.lag') };
    const owned: ServiceSchema = { schema: h.schema, migrations: [], projections: [projection] };
    await migrateService(h.pool, owned);
    registry = new ConsumerGroupRegistry();
    log = registry.track(h.log);
    collector = new ConsumerLagCollector(log, h.pool, owned, registry, h.logger);
  });
  after(async () => {
    await runner?.stop();
    await plain?.stop();
    await h.close();
  });

  it('counts appended events as lag of the projection (from its checkpoint) and of a plain group, then 0 once both processed them', async () => {
    const positions = await log.appender.append(Array.from({ length: 20 }, (_, n) => toRecord(seenEvent(`dev-${n % 7}`, n), h.topic)));
    assert.equal(new Set(positions.map((p) => p.partition)).size, 2, 'both partitions hold events');
    const projectionGroup = consumerGroupOf(projection);

    const idle = await collector.families();
    assert.equal(samples(idle, 'espalier_consumer_lag_up')[0].value, 1);
    assert.equal(total(samples(idle, 'espalier_log_end_offset', { topic: h.topic })), 20n);
    assert.equal(total(samples(idle, 'espalier_consumer_lag', { group: projectionGroup })), 20n, 'nothing applied yet: the whole log is lag');
    assert.deepEqual(samples(idle, 'espalier_projection_checkpoint_offset', { projection: projection.name }).map((s) => s.value), [-1n, -1n]);
    assert.equal(samples(idle, 'espalier_consumer_lag', { group: plainGroup }).length, 0, 'a group not running here is not measured');

    let seen = 0;
    plain = log.subscribe({ groupId: plainGroup, topics: [h.topic], fromBeginning: true, handleBatch: async (batch) => void (seen += batch.records.length) });
    await plain.start();
    assert.deepEqual(registry.groups(), [{ groupId: plainGroup, topics: [h.topic], fromBeginning: true }], 'the registry learned the group from the decorated log');
    runner = new ProjectionRunner(projection, { pool: h.pool, log, logger: h.logger }, { maxAttempts: 3 });
    await runner.start();

    let last: MetricFamily[] = [];
    await waitUntil(
      'both groups to have no lag',
      async () => {
        last = await collector.families();
        return total(samples(last, 'espalier_consumer_lag', { group: projectionGroup })) === 0n && total(samples(last, 'espalier_consumer_lag', { group: plainGroup })) === 0n;
      },
      60_000,
      250,
    );
    assert.equal(seen, 20);
    const ends = new Map(samples(last, 'espalier_log_end_offset', { topic: h.topic }).map((s) => [s.labels?.partition, BigInt(s.value)]));
    for (const s of samples(last, 'espalier_projection_checkpoint_offset', { projection: projection.name })) {
      assert.equal(BigInt(s.value), ends.get(s.labels?.partition)! - 1n, 'the checkpoint is the last offset of the partition');
    }
    for (const s of samples(last, 'espalier_consumer_committed_offset', { group: plainGroup })) {
      assert.equal(BigInt(s.value), ends.get(s.labels?.partition), 'the plain group committed up to the log end');
    }
    assert.equal(runner.stats.applied, 20);

    assert.deepEqual(registry.groups().map((g) => g.groupId).sort(), [plainGroup, projectionGroup].sort());
    await plain.stop();
    assert.deepEqual(registry.groups().map((g) => g.groupId), [projectionGroup], 'a stopped group is no longer measured');
  });

  it('serves the scrapes of a two-second window from one reading', async () => {
    const first = await collector.families();
    await log.appender.append([toRecord(seenEvent('dev-cache', 100), h.topic)]);
    const cached = await collector.families();
    assert.equal(total(samples(cached, 'espalier_log_end_offset', { topic: h.topic })), total(samples(first, 'espalier_log_end_offset', { topic: h.topic })));
    await new Promise((r) => setTimeout(r, LAG_CACHE_MS + 100));
    const fresh = await collector.families();
    assert.equal(total(samples(fresh, 'espalier_log_end_offset', { topic: h.topic })), total(samples(first, 'espalier_log_end_offset', { topic: h.topic })) + 1n);
  });

  it('answers espalier_consumer_lag_up 0, and no lag, when the broker does not answer', async () => {
    const logger = recordingLogger();
    const deadLog = new KafkaEventLog({ brokers: [`127.0.0.1:${await freePort()}`], clientId: 'espalier-test', logger, retries: 1 });
    const owned: ServiceSchema = { schema: h.schema, migrations: [], projections: [projection] };
    const dead = new ConsumerLagCollector(deadLog, h.pool, owned, new ConsumerGroupRegistry(), logger);
    try {
      const families = await dead.families();
      assert.deepEqual(families.map((f) => [f.name, f.samples.map((s) => s.value)]), [['espalier_consumer_lag_up', [0]]]);
      assert.ok(logger.entries.some((e) => e.level === 'warn' && e.msg === 'metrics: could not read consumer lag'));
    } finally {
      await deadLog.close().catch(() => undefined);
    }
  });

  it('does not keep a scrape waiting longer than the time bound when the database hangs', async () => {
    // A server that accepts connections and never answers: a PostgreSQL that hangs.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const hanging = new Pool({ connectionString: `postgres://espalier@127.0.0.1:${port}/espalier` });
    hanging.on('error', () => undefined);
    const owned: ServiceSchema = { schema: h.schema, migrations: [], projections: [projection] };
    const stuck = new ConsumerLagCollector(log, hanging, owned, new ConsumerGroupRegistry(), h.logger);
    try {
      const started = Date.now();
      const [first, second] = await Promise.all([stuck.families(), stuck.families()]);
      const waited = Date.now() - started;
      assert.ok(waited >= LAG_TIMEOUT_MS - 50 && waited < LAG_TIMEOUT_MS + 2_000, `answered after ${waited} ms`);
      for (const families of [first, second]) assert.deepEqual(families.map((f) => [f.name, f.samples.map((s) => s.value)]), [['espalier_consumer_lag_up', [0]]]);
      assert.equal(sockets.size, 1, 'concurrent scrapes share one reading');
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await hanging.end().catch(() => undefined);
    }
  });
});
