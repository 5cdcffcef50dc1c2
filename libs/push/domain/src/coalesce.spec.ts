import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { coalesce } from './coalesce';
import type { PushTrigger } from './push-trigger';

const queued = (enrollmentId: string, eventId: string, deviceId = enrollmentId): PushTrigger => ({ enrollmentId, deviceId, eventId, correlationId: `c-${eventId}`, kind: 'queued' });
const requested = (enrollmentId: string, eventId: string): PushTrigger => ({ enrollmentId, deviceId: null, eventId, correlationId: `c-${eventId}`, kind: 'requested' });

describe('coalesce', () => {
  it('many queued commands for one enrollment make one push, answered once for the first', () => {
    assert.deepStrictEqual(coalesce([queued('A', 'q1'), queued('A', 'q2'), queued('B', 'q3'), queued('A', 'q4')]), [
      { enrollmentId: 'A', deviceId: 'A', answers: [queued('A', 'q1')] },
      { enrollmentId: 'B', deviceId: 'B', answers: [queued('B', 'q3')] },
    ]);
  });

  it('each operator request gets its own answer; queued commands ride along', () => {
    const [jobs] = [coalesce([queued('A', 'q1'), requested('A', 'r1'), requested('A', 'r2'), requested('A', 'r1')])];
    assert.deepStrictEqual(jobs, [{ enrollmentId: 'A', deviceId: 'A', answers: [requested('A', 'r1'), requested('A', 'r2')] }]);
  });

  it('keeps the device ID a queued command names, whatever order the triggers come in', () => {
    const user = 'DEV:USER';
    assert.deepStrictEqual(coalesce([requested(user, 'r1'), queued(user, 'q1', 'DEV')]), [{ enrollmentId: user, deviceId: 'DEV', answers: [requested(user, 'r1')] }]);
    assert.deepStrictEqual(coalesce([requested(user, 'r1')]), [{ enrollmentId: user, deviceId: null, answers: [requested(user, 'r1')] }]);
  });

  it('nothing in, nothing out', () => assert.deepStrictEqual(coalesce([]), []));
});
