import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CaughtUpWatch } from './caught-up.watch';

describe('CaughtUpWatch', () => {
  it('moves to "now" the watermarks of partitions whose checkpoint reached the log end, the time read before the end', async () => {
    let clock = 1_000;
    const advanced: [topic: string, partitions: readonly number[], at: number][] = [];
    let woken = 0;
    const watch = new CaughtUpWatch(
      ['mdm.enrollment', 'mdm.command'],
      {
        log: {
          endOffsets: async (topic) => {
            clock += 10; // The end is read after the time: an event appended meanwhile is not vouched for.
            return topic === 'mdm.enrollment'
              ? [{ partition: 0, high: '5', low: '0' }, { partition: 1, high: '9', low: '0' }, { partition: 2, high: '0', low: '0' }]
              : [{ partition: 0, high: '3', low: '0' }];
          },
        },
        store: { checkpoints: async (topic) => new Map(topic === 'mdm.enrollment' ? [[0, 4n], [1, 7n]] : [[0, 1n]]) },
        outbox: { advanceWatermarks: async (topic, partitions, until) => void advanced.push([topic, partitions, until.getTime()]) },
        logger: { warn: () => undefined },
        now: () => clock,
        onAdvance: () => void (woken += 1),
      },
      3_600_000,
    );
    watch.start();
    await watch.stop();
    // enrollment/1 has 8 left to ingest; enrollment/2 is empty; command/0 has one left.
    assert.deepEqual(advanced, [['mdm.enrollment', [0, 2], 1_000], ['mdm.command', [], 1_010]]);
    assert.equal(woken, 1);
  });
});
