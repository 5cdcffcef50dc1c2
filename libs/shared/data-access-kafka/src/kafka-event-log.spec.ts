import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { recordingLogger } from '@espalier/shared/util-testing';
import { KafkaEventLog } from './kafka-event-log';

type OffsetsFn = (topic: string) => Promise<{ partition: number; offset: string; high: string; low: string }[]>;

/** A log whose admin answers offset lookups with `answers`, in turn (no broker is contacted). */
function logAnswering(answers: (() => ReturnType<OffsetsFn>)[]): { log: KafkaEventLog; calls: () => number } {
  const log = new KafkaEventLog({ brokers: ['127.0.0.1:1'], clientId: 'offsets-spec', logger: recordingLogger() });
  let calls = 0;
  (log as unknown as { admin: { fetchTopicOffsets: OffsetsFn } }).admin.fetchTopicOffsets = () => answers[Math.min(calls++, answers.length - 1)]();
  return { log, calls: () => calls };
}

const lost = () => Promise.reject(new TypeError("Cannot destructure property 'partitions' of 'low.pop(...)' as it is undefined."));
const ends = () => Promise.resolve([{ partition: 1, offset: '7', high: '7', low: '0' }, { partition: 0, offset: '3', high: '3', low: '0' }]);

describe('KafkaEventLog.endOffsets', () => {
  it('asks again when kafkajs loses the answer to concurrent lookups, and sorts by partition', async () => {
    const { log, calls } = logAnswering([lost, lost, ends]);
    assert.deepEqual(await log.endOffsets('mdm.command'), [
      { partition: 0, high: '3', low: '0' },
      { partition: 1, high: '7', low: '0' },
    ]);
    assert.equal(calls(), 3);
  });

  it('does not hide other failures', async () => {
    const { log, calls } = logAnswering([() => Promise.reject(new TypeError('something else')), ends]);
    await assert.rejects(log.endOffsets('mdm.command'), /something else/);
    assert.equal(calls(), 1);
  });
});
