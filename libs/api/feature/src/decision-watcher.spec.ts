import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedBatch } from '@espalier/contracts/event-log';
import { DecisionWatcher } from './decision-watcher';

const batch = (...events: { type: string; correlationId: string; data?: object }[]): ConsumedBatch => ({
  topic: 'mdm.command', partition: 0,
  records: events.map((e, i) => ({ topic: 'mdm.command', partition: 0, offset: String(i), key: null, timestamp: '0', headers: { 'espalier-type': e.type }, value: Buffer.from(JSON.stringify(e)) })),
});

describe('DecisionWatcher', () => {
  it('is queued once every target has its CommandQueued', async () => {
    const watcher = new DecisionWatcher();
    const waiting = watcher.expect('c1', 2);
    await watcher.handleBatch(batch({ type: 'CommandQueued', correlationId: 'c1' }, { type: 'CommandQueued', correlationId: 'other' }, { type: 'CommandReported', correlationId: 'c1' }));
    await watcher.handleBatch(batch({ type: 'CommandQueued', correlationId: 'c1' }));
    assert.deepStrictEqual(await waiting.decision(60_000), { kind: 'queued' });
  });

  it('reports a rejection, or "undecided" when the wait ends', async () => {
    const watcher = new DecisionWatcher();
    const rejected = watcher.expect('c2', 1);
    await watcher.handleBatch(batch({ type: 'CommandRejected', correlationId: 'c2', data: { reason: 'duplicate-command-uuid', detail: 'command UUID X already exists' } }));
    assert.deepStrictEqual(await rejected.decision(60_000), { kind: 'rejected', reason: 'duplicate-command-uuid', detail: 'command UUID X already exists' });
    assert.deepStrictEqual(await watcher.expect('c3', 1).decision(10), { kind: 'undecided' });
  });
});
