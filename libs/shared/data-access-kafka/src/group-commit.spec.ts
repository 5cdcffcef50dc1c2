import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LogPosition, LogRecord } from '@espalier/contracts/event-log';
import { GroupCommit } from './group-commit';

function record(i: number, size = 10): LogRecord {
  return { topic: 't', key: `k${i}`, value: Buffer.alloc(size, i), headers: {} };
}

/** A fake produce call that records each request and answers sequential offsets. */
function recordingSend() {
  const requests: LogRecord[][] = [];
  let offset = 0;
  const send = async (records: readonly LogRecord[]): Promise<LogPosition[]> => {
    requests.push([...records]);
    await new Promise((r) => setTimeout(r, 5));
    return records.map((r) => ({ topic: r.topic, partition: 0, offset: String(offset++) }));
  };
  return { requests, send };
}

describe('GroupCommit', () => {
  it('sends appends that arrive together in one request and gives each caller its own positions', async () => {
    const { requests, send } = recordingSend();
    const gc = new GroupCommit(send);
    const results = await Promise.all([gc.append([record(1)]), gc.append([record(2), record(3)]), gc.append([record(4)])]);
    assert.equal(requests.length, 1);
    assert.deepEqual(
      results.map((ps) => ps.map((p) => p.offset)),
      [['0'], ['1', '2'], ['3']],
    );
  });

  it('keeps appending while a request is in flight, batching the waiting callers', async () => {
    const { requests, send } = recordingSend();
    const gc = new GroupCommit(send);
    const first = gc.append([record(1)]);
    await new Promise((r) => setImmediate(r));
    const later = [gc.append([record(2)]), gc.append([record(3)])];
    await Promise.all([first, ...later]);
    assert.deepEqual(
      requests.map((r) => r.length),
      [1, 2],
    );
  });

  it('splits groups at the byte bound but never splits one caller', async () => {
    const { requests, send } = recordingSend();
    const gc = new GroupCommit(send, { maxBatchBytes: 100 });
    await Promise.all([gc.append([record(1, 60)]), gc.append([record(2, 30), record(3, 30)]), gc.append([record(4, 10)])]);
    assert.deepEqual(
      requests.map((r) => r.map((x) => x.key)),
      [['k1'], ['k2', 'k3', 'k4']],
    );
  });

  it('rejects every caller of a failed request and recovers for the next', async () => {
    let fail = true;
    const gc = new GroupCommit(async (records) => {
      if (fail) throw new Error('broker down');
      return records.map(() => ({ topic: 't', partition: 0, offset: '0' }));
    });
    const failed = await Promise.allSettled([gc.append([record(1)]), gc.append([record(2)])]);
    assert.deepEqual(
      failed.map((r) => r.status),
      ['rejected', 'rejected'],
    );
    fail = false;
    assert.equal((await gc.append([record(3)])).length, 1);
  });

  it('resolves an empty append without a request', async () => {
    const { requests, send } = recordingSend();
    assert.deepEqual(await new GroupCommit(send).append([]), []);
    assert.equal(requests.length, 0);
  });
});
