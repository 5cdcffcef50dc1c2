import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PushTrigger } from '@espalier/push/domain';
import { TriggerWindow } from './trigger-window';

const trigger = (enrollmentId: string): PushTrigger => ({ enrollmentId, deviceId: enrollmentId, eventId: `e-${enrollmentId}`, correlationId: 'c', kind: 'queued' });

describe('TriggerWindow', () => {
  it('flushes what arrived within the window together, and resolves every batch once the flush is done', async () => {
    const flushed: string[][] = [];
    const window = new TriggerWindow(async (ts) => void flushed.push(ts.map((t) => t.enrollmentId)), { windowMs: 30, maxTriggers: 100 });
    const first = window.add([trigger('A')]);
    const second = window.add([trigger('B'), trigger('A')]);
    assert.deepStrictEqual(flushed, [], 'nothing before the window closes');
    await Promise.all([first, second]);
    assert.deepStrictEqual(flushed, [['A', 'B', 'A']]);
    await window.add([trigger('C')]);
    assert.deepStrictEqual(flushed, [['A', 'B', 'A'], ['C']], 'a later trigger opens a new window');
  });

  it('flushes at once when the window holds maxTriggers', async () => {
    const flushed: number[] = [];
    const window = new TriggerWindow(async (ts) => void flushed.push(ts.length), { windowMs: 60_000, maxTriggers: 3 });
    await window.add([trigger('A'), trigger('B'), trigger('C')]);
    assert.deepStrictEqual(flushed, [3]);
  });

  it('a failed flush rejects every batch in it, and the next window works', async () => {
    let fail = true;
    const window = new TriggerWindow(async () => {
      if (fail) throw new Error('log down');
    }, { windowMs: 5, maxTriggers: 100 });
    const results = await Promise.allSettled([window.add([trigger('A')]), window.add([trigger('B')])]);
    assert.deepStrictEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    fail = false;
    await window.add([trigger('A')]);
  });
});
