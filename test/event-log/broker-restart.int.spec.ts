import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exitWhenDone, infraCommand, localInfraControls } from '@espalier/shared/util-testing';
import { openHarness, type Harness } from '../fixtures/log-harness';
import { seenEvent, toRecord } from '../fixtures/seen-events';

const controllable = localInfraControls().kafka;

// This file restarts the broker: see exitWhenDone.
exitWhenDone();

describe('restarting the broker while producers append', { skip: controllable ? false : 'the broker is not the local one scripts/infra.sh runs' }, () => {
  let h: Harness;
  before(async () => {
    h = await openHarness(3);
  });
  after(() => h.close());

  it('loses no acknowledged event', async () => {
    const acked = new Set<string>();
    let failed = 0;
    let n = 0;
    let stop = false;
    const producer = async (worker: number) => {
      while (!stop) {
        const event = seenEvent(`dev-${worker}-${n % 10}`, n++);
        try {
          await h.log.appender.append([toRecord(event, h.topic)]);
          acked.add(event.eventId);
        } catch {
          failed += 1; // not acknowledged: the caller would have answered 503
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    const producers = Array.from({ length: 8 }, (_, w) => producer(w));
    await new Promise((r) => setTimeout(r, 1_000));
    const beforeRestart = acked.size;
    await infraCommand('kafka-restart');
    const afterRestart = acked.size;
    await new Promise((r) => setTimeout(r, 2_000));
    stop = true;
    await Promise.all(producers);
    assert.ok(acked.size > afterRestart, 'appends succeed again after the restart');
    const read = await h.readAll(h.topic, acked.size, 60_000);
    const inLog = new Map<string, number>();
    for (const r of read) {
      const id = r.headers['espalier-event-id'];
      inLog.set(id, (inLog.get(id) ?? 0) + 1);
    }
    const lost = [...acked].filter((id) => !inLog.has(id));
    const duplicates = [...inLog.values()].filter((c) => c > 1).length;
    process.stderr.write(
      `[broker-restart] acked ${acked.size} (${beforeRestart} before, ${afterRestart - beforeRestart} during the restart), failed appends ${failed}, records in log ${read.length}, duplicates ${duplicates}, lost ${lost.length}\n`,
    );
    assert.deepEqual(lost, [], 'every acknowledged event is in the log');
  });
});
