import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedBatch } from '@espalier/contracts/event-log';
import { OutcomeWatcher } from './outcome-watcher';

const record = (type: string, event: object, offset = 0) => ({
  topic: 'mdm.push', partition: 0, offset: String(offset), key: null, timestamp: '0',
  headers: { 'espalier-type': type }, value: Buffer.from(JSON.stringify({ type, ...event })),
});
const batch = (...records: ReturnType<typeof record>[]): ConsumedBatch => ({ topic: 'mdm.push', partition: 0, records });

describe('OutcomeWatcher', () => {
  it('resolves as soon as every expected ID has an outcome of the request\'s correlation', async () => {
    const watcher = new OutcomeWatcher();
    const expected = watcher.expect('corr-1', ['A', 'B']);
    await watcher.handleBatch(batch(
      record('PushSent', { enrollmentId: 'A', correlationId: 'corr-1', data: { topic: 't', apnsId: 'X' } }),
      record('PushSent', { enrollmentId: 'B', correlationId: 'other', data: { topic: 't', apnsId: 'Y' } }),
      record('CommandQueued', { enrollmentId: 'B', correlationId: 'corr-1', data: {} }),
      record('PushFailed', { enrollmentId: 'B', correlationId: 'corr-1', data: { topic: 't', status: 410, reason: 'Unregistered', apnsTimestamp: 5, token: 'ab' } }),
    ));
    const started = Date.now();
    const outcomes = await expected.outcomes(60_000);
    assert.ok(Date.now() - started < 1_000);
    assert.deepStrictEqual(outcomes, new Map<string, object>([
      ['A', { sent: true, apnsId: 'X' }],
      ['B', { sent: false, topic: 't', status: 410, reason: 'Unregistered', apnsTimestamp: 5 }],
    ]));
  });

  it('gives what arrived when the wait ends, and forgets the request', async () => {
    const watcher = new OutcomeWatcher();
    const expected = watcher.expect('corr-2', ['A', 'B']);
    await watcher.handleBatch(batch(record('PushSent', { enrollmentId: 'A', correlationId: 'corr-2', data: { apnsId: 'X' } })));
    assert.deepStrictEqual([...(await expected.outcomes(20)).keys()], ['A']);
    await watcher.handleBatch(batch(record('not json', {}), record('PushSent', { enrollmentId: 'B', correlationId: 'corr-2', data: { apnsId: 'Y' } })));
  });

  it('an empty expectation resolves at once', async () => {
    assert.deepStrictEqual(await new OutcomeWatcher().expect('c', []).outcomes(60_000), new Map());
  });
});
