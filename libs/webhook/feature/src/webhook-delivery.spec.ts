import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { BatchContext, ConsumedRecord } from '@espalier/contracts/event-log';
import { ConcurrencyLimit } from './concurrency-limit';
import { DeliveryStoppedError, WebhookDelivery, type PlannedWebhook } from './webhook-delivery';
import type { PostOutcome } from './webhook-poster';

const record: ConsumedRecord = { topic: 'mdm.command', partition: 2, offset: '41', key: 'DEVICE', value: Buffer.from('{}'), headers: {}, timestamp: '0' };
const item: PlannedWebhook = { record, topic: 'mdm.Connect', eventId: 'e1', body: Buffer.from('{"secret":"body"}') };
const refused: PostOutcome = { delivered: false, status: null, reason: 'ECONNREFUSED' };
const unavailable: PostOutcome = { delivered: false, status: 503, reason: 'answered HTTP 503' };

function setup(answers: PostOutcome[], maxAttempts = 5, ctx: Partial<BatchContext> = {}) {
  const posted: Buffer[] = [];
  const sleeps: number[] = [];
  const dead: { record: ConsumedRecord; error: Error; attempts: number }[] = [];
  const logs: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  let heartbeats = 0;
  const log = (level: string) => (obj: object, msg: string) => void logs.push({ level, obj: obj as Record<string, unknown>, msg });
  const delivery = new WebhookDelivery(
    {
      post: { post: async (body) => (posted.push(body), answers.shift() ?? { delivered: true }) },
      limit: new ConcurrencyLimit(1),
      deadLetter: async (r, error, attempts) => void dead.push({ record: r, error, attempts }),
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      random: () => 0,
      sleep: async (ms) => void sleeps.push(ms),
    },
    { maxAttempts, minDelayMs: 1_000, maxDelayMs: 2_500 },
  );
  const context: BatchContext = { heartbeat: async () => void (heartbeats += 1), isRunning: () => true, ...ctx };
  return { delivery, context, posted, sleeps, dead, logs, heartbeats: () => heartbeats };
}

describe('WebhookDelivery', () => {
  it('posts once when the receiver answers 200', async () => {
    const t = setup([]);
    assert.equal(await t.delivery.deliver(item, t.context), 'delivered');
    assert.equal(t.posted.length, 1);
    assert.deepEqual(t.sleeps, []);
  });

  it('retries refused and non-200 POSTs with growing waits, heartbeating every second of them', async () => {
    const t = setup([refused, unavailable, refused]);
    assert.equal(await t.delivery.deliver(item, t.context), 'delivered');
    assert.equal(t.posted.length, 4);
    // Waits of 500, 1000 and 1250 ms (random 0 → half of 1, 2 and 2.5 s, the cap), cut into slices of at most one second.
    assert.deepEqual(t.sleeps, [500, 1_000, 1_000, 250]);
    assert.equal(t.heartbeats(), 4);
    assert.deepEqual(t.posted.map((b) => b.toString()), Array(4).fill(item.body.toString()));
  });

  it('dead-letters after -webhook-max-attempts, saying why, and never logs the body', async () => {
    const t = setup([unavailable, unavailable, unavailable], 3);
    assert.equal(await t.delivery.deliver(item, t.context), 'dead-lettered');
    assert.equal(t.posted.length, 3);
    assert.equal(t.dead.length, 1);
    assert.equal(t.dead[0].record, record);
    assert.equal(t.dead[0].attempts, 3);
    assert.match(t.dead[0].error.message, /answered HTTP 503, 3 attempts used/);
    const failure = t.logs.find((l) => l.level === 'error');
    assert.deepEqual([failure?.obj.topic, failure?.obj.partition, failure?.obj.offset, failure?.obj.status], ['mdm.command', 2, '41', 503]);
    assert.doesNotMatch(JSON.stringify(t.logs), /secret/);
  });

  it('stops waiting when the consumer stops, so the batch is delivered again later', async () => {
    let running = true;
    const t = setup([refused], 5, { isRunning: () => running, heartbeat: async () => void (running = false) });
    await assert.rejects(t.delivery.deliver(item, t.context), DeliveryStoppedError);
    assert.equal(t.dead.length, 0);
  });

  it('lets go when a heartbeat fails (a rebalance needs the member to rejoin)', async () => {
    const t = setup([refused], 5, { heartbeat: async () => Promise.reject(new Error('The group is rebalancing')) });
    await assert.rejects(t.delivery.deliver(item, t.context), DeliveryStoppedError);
  });
});

describe('ConcurrencyLimit', () => {
  it('never runs more than the limit at once and runs everything', async () => {
    const limit = new ConcurrencyLimit(3);
    let running = 0;
    let peak = 0;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        limit.run(async () => {
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 1 + (i % 3)));
          running -= 1;
          return i;
        }),
      ),
    );
    assert.equal(peak, 3);
    assert.deepEqual(results, Array.from({ length: 20 }, (_, i) => i));
  });

  it('frees the slot when a task fails', async () => {
    const limit = new ConcurrencyLimit(1);
    await assert.rejects(limit.run(async () => Promise.reject(new Error('boom'))));
    assert.equal(await limit.run(async () => 'next'), 'next');
  });
});
