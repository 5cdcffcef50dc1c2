import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedRecord } from '@espalier/contracts/event-log';
import { SecretBox } from '@espalier/shared/util-crypto';
import type { ClaimedWebhook } from './outbox.store';
import { WebhookDelivery } from './webhook-delivery';
import type { PostOutcome } from './webhook-poster';

const box = new SecretBox({ keyId: 'k1', key: Buffer.alloc(32, 9) });
const record: ConsumedRecord = { topic: 'mdm.command', partition: 2, offset: '41', key: 'DEVICE', value: Buffer.from('{}'), headers: {}, timestamp: '0' };
const BODY = Buffer.from('{"secret":"body"}');
const item = (attempts = 0): ClaimedWebhook => ({ eventId: 'e1', deviceId: 'DEVICE', webhookTopic: 'mdm.Connect', body: box.seal(BODY, 'e1'), attempts, record, leaseId: 'L1' });
const unavailable: PostOutcome = { delivered: false, status: 503, reason: 'answered HTTP 503' };
const NOW = 1_700_000_000_000;

function setup(answer: PostOutcome = { delivered: true }, maxAttempts = 5) {
  const posted: Buffer[] = [];
  const calls: string[] = [];
  const dead: { record: ConsumedRecord; error: Error; attempts: number }[] = [];
  const logs: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
  const log = (level: string) => (obj: object, msg: string) => void logs.push({ level, obj: obj as Record<string, unknown>, msg });
  const delivery = new WebhookDelivery(
    {
      post: { post: async (body) => (posted.push(body), answer) },
      outbox: {
        remove: async (l) => void calls.push(`remove ${l.eventId} ${l.leaseId}`),
        retryAt: async (l, attempts, at) => void calls.push(`retry ${l.eventId} #${attempts} +${at.getTime() - NOW}`),
        release: async (l) => void calls.push(`release ${l.eventId}`),
      },
      box,
      deadLetter: async (r, error, attempts) => void dead.push({ record: r, error, attempts }),
      logger: { info: log('info'), warn: log('warn'), error: log('error') },
      random: () => 0,
      now: () => NOW,
    },
    { maxAttempts, minDelayMs: 1_000, maxDelayMs: 2_500 },
  );
  return { delivery, posted, calls, dead, logs };
}

const running = () => new AbortController().signal;

describe('WebhookDelivery: one attempt at a leased outbox row', () => {
  it('posts the opened body and removes the row once the receiver answered 200', async () => {
    const t = setup();
    assert.equal(await t.delivery.attempt(item(), running()), 'delivered');
    assert.deepEqual(t.posted, [BODY]);
    assert.deepEqual(t.calls, ['remove e1 L1']);
  });

  it('counts a failed attempt and schedules the next with backoff', async () => {
    const t = setup(unavailable);
    assert.equal(await t.delivery.attempt(item(), running()), 'retrying');
    // random 0 → half of the ceiling: 500 ms after the first attempt, 1250 ms (half the 2.5 s cap) after the third.
    assert.equal(await t.delivery.attempt(item(2), running()), 'retrying');
    assert.deepEqual(t.calls, ['retry e1 #1 +500', 'retry e1 #3 +1250']);
    const warn = t.logs.find((l) => l.level === 'warn');
    assert.deepEqual([warn?.obj.topic, warn?.obj.partition, warn?.obj.offset, warn?.obj.status], ['mdm.command', 2, '41', 503]);
  });

  it('dead-letters after -webhook-max-attempts, saying why, removes the row, and never logs the body', async () => {
    const t = setup(unavailable, 3);
    assert.equal(await t.delivery.attempt(item(2), running()), 'dead-lettered');
    assert.equal(t.dead.length, 1);
    assert.equal(t.dead[0].record, record);
    assert.equal(t.dead[0].attempts, 3);
    assert.match(t.dead[0].error.message, /answered HTTP 503, 3 attempts used/);
    assert.deepEqual(t.calls, ['remove e1 L1']);
    assert.doesNotMatch(JSON.stringify(t.logs), /secret/);
  });

  it('releases the row without counting the attempt when a shutdown cut the POST short', async () => {
    const t = setup({ delivered: false, status: null, reason: 'This operation was aborted' });
    const stop = new AbortController();
    stop.abort();
    assert.equal(await t.delivery.attempt(item(4), stop.signal), 'stopped');
    assert.deepEqual(t.calls, ['release e1']);
    assert.equal(t.dead.length, 0);
  });

  it('dead-letters a body it cannot open (sealed for another event) without posting it', async () => {
    const t = setup();
    const stolen = { ...item(), body: box.seal(Buffer.from('{"other":1}'), 'e2') };
    assert.equal(await t.delivery.attempt(stolen, running()), 'dead-lettered');
    assert.equal(t.posted.length, 0);
    assert.match(t.dead[0].error.message, /cannot open the stored body/);
  });
});
