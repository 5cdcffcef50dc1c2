import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { coalesce } from './coalesce';
import type { PushTrigger } from './push-trigger';

/** A queued command of submission `correlationId` (one submission queues one entry per enrollment). */
const queued = (enrollmentId: string, eventId: string, correlationId = `c-${eventId}`, deviceId = enrollmentId): PushTrigger => ({
  enrollmentId, deviceId, eventId, correlationId, kind: 'queued',
});
const requested = (enrollmentId: string, eventId: string): PushTrigger => ({ enrollmentId, deviceId: null, eventId, correlationId: `c-${eventId}`, kind: 'requested' });

describe('coalesce', () => {
  it('many queued commands for one enrollment make one push, answered once per submission', () => {
    assert.deepStrictEqual(coalesce([queued('A', 'q1'), queued('A', 'q2'), queued('B', 'q3'), queued('A', 'q4', 'c-q1')]), [
      { enrollmentId: 'A', deviceId: 'A', answers: [queued('A', 'q1'), queued('A', 'q2')] },
      { enrollmentId: 'B', deviceId: 'B', answers: [queued('B', 'q3')] },
    ]);
  });

  it('each operator request gets its own answer, once even if it names the enrollment twice', () => {
    assert.deepStrictEqual(coalesce([queued('A', 'q1'), requested('A', 'r1'), requested('A', 'r2'), requested('A', 'r1')]), [
      { enrollmentId: 'A', deviceId: 'A', answers: [queued('A', 'q1'), requested('A', 'r1'), requested('A', 'r2')] },
    ]);
  });

  it('keeps the device ID a queued command names, whatever order the triggers come in', () => {
    const user = 'DEV:USER';
    assert.deepStrictEqual(coalesce([requested(user, 'r1'), queued(user, 'q1', 'c-q1', 'DEV')]), [
      { enrollmentId: user, deviceId: 'DEV', answers: [requested(user, 'r1'), queued(user, 'q1', 'c-q1', 'DEV')] },
    ]);
    assert.deepStrictEqual(coalesce([requested(user, 'r1')]), [{ enrollmentId: user, deviceId: null, answers: [requested(user, 'r1')] }]);
  });

  it('nothing in, nothing out', () => assert.deepStrictEqual(coalesce([]), []));
});
