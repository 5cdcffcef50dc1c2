import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { OutboxHead } from '@espalier/webhook/domain';
import type { ClaimedWebhook } from './outbox.store';
import type { AttemptOutcome } from './webhook-delivery';
import { WebhookSender } from './webhook-sender';

const NOW = 1_700_000_000_000;

/** An outbox in memory: rows of devices A, B, C on mdm.enrollment, every gate far ahead. */
function setup(rows: [id: string, device: string, at: number][], concurrency: number) {
  const outbox: OutboxHead[] = rows.map(([eventId, deviceId, at], i) => ({
    eventId, deviceId, topic: 'mdm.enrollment', offset: BigInt(i), occurredAt: NOW - 60_000 + at,
    gate: { topic: 'mdm.command', partition: 0 }, nextAttemptAt: 0, leasedUntil: null,
  }));
  const posting = new Map<string, { finish: () => void; signal: AbortSignal }>();
  const sender = new WebhookSender(
    {
      outbox: {
        heads: async () => [...new Map([...outbox].reverse().map((r) => [`${r.deviceId}/${r.topic}`, r])).values()],
        watermarks: async () => new Map([['mdm.command/0', NOW]]),
        claim: async (ids, _now, until) =>
          outbox.filter((r) => ids.includes(r.eventId)).map((r) => {
            Object.assign(r, { leasedUntil: until.getTime() });
            return { eventId: r.eventId, deviceId: r.deviceId } as ClaimedWebhook;
          }),
      },
      delivery: {
        attempt: (item, signal) =>
          new Promise<AttemptOutcome>((resolve) => {
            const finish = () => {
              outbox.splice(outbox.findIndex((r) => r.eventId === item.eventId), 1);
              posting.delete(item.eventId);
              resolve('delivered');
            };
            posting.set(item.eventId, { finish, signal });
            signal.addEventListener('abort', finish);
          }),
      },
      logger: { warn: () => undefined, error: () => undefined },
      now: () => NOW,
    },
    { concurrency, marginMs: 1_000, leaseMs: 60_000, pollMs: 3_600_000 },
  );
  return { sender, posting: () => [...posting.keys()].sort(), finish: (id: string) => posting.get(id)?.finish(), signalOf: (id: string) => posting.get(id)?.signal };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('WebhookSender', () => {
  it('posts one webhook per device at a time, oldest first, at most -webhook-concurrency at once, reading the outbox again once its list ran out', async () => {
    const t = setup([['a1', 'A', 1], ['b1', 'B', 2], ['a2', 'A', 3], ['c1', 'C', 4]], 2);
    t.sender.start();
    await settle();
    assert.deepEqual(t.posting(), ['a1', 'b1']);
    t.finish('a1');
    await settle();
    // C was let go by the same read; A's next (a2) needs a new one.
    assert.deepEqual(t.posting(), ['b1', 'c1']);
    t.finish('b1');
    await settle();
    assert.deepEqual(t.posting(), ['a2', 'c1']);
    t.finish('a2');
    t.finish('c1');
    await settle();
    assert.deepEqual(t.posting(), []);
    await t.sender.stop();
  });

  it('stop() cuts the POSTs in flight short and waits for them', async () => {
    const t = setup([['a1', 'A', 1]], 4);
    t.sender.start();
    await settle();
    const signal = t.signalOf('a1');
    assert.equal(signal?.aborted, false);
    await t.sender.stop();
    assert.equal(signal?.aborted, true);
    assert.deepEqual(t.posting(), []);
  });
});
