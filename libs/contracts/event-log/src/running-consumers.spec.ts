import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LogConsumer } from './event-log.port';
import { RunningConsumers } from './running-consumers';

function consumer(log: string[], name: string): LogConsumer {
  return { start: async () => void log.push(`start ${name}`), stop: async () => void log.push(`stop ${name}`) };
}

describe('RunningConsumers', () => {
  it('stops on stopAll only the consumers started and not yet stopped, each once, then runs their afterStop', async () => {
    const log: string[] = [];
    const running = new RunningConsumers();
    const a = running.track(consumer(log, 'a'), async () => void log.push('after a'));
    const b = running.track(consumer(log, 'b'));
    running.track(consumer(log, 'never started'));
    await a.start();
    await b.start();
    await b.stop();
    await running.stopAll();
    await running.stopAll();
    assert.deepEqual(log, ['start a', 'start b', 'stop b', 'stop a', 'after a']);
  });
});
