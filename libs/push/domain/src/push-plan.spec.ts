import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { noCertificate, planPushes, PUSH_DATA_MISSING, TOKEN_INVALID, type TargetFacts } from './push-plan';
import type { PushJob } from './push-trigger';

const T1 = 'com.apple.mgmt.External.one';
const T2 = 'com.apple.mgmt.External.two';
const job = (enrollmentId: string, deviceId: string | null = null): PushJob => ({
  enrollmentId,
  deviceId,
  answers: [{ enrollmentId, deviceId, eventId: `e-${enrollmentId}`, correlationId: 'c', kind: 'requested' }],
});
const target = (deviceId: string, topic: string, invalid = false): TargetFacts => ({ deviceId, topic, tokenHex: 'ab12', pushMagic: 'M', invalid });

describe('planPushes', () => {
  it('sends to enrollments with push data, a valid token and a certified topic', () => {
    const targets = new Map([['A', target('A', T1)], ['A:U', target('A', T2)]]);
    const plans = planPushes([job('A'), job('A:U')], targets, new Map());
    assert.deepStrictEqual(plans, [
      { kind: 'send', job: job('A'), target: target('A', T1) },
      { kind: 'send', job: job('A:U'), target: target('A', T2) },
    ]);
  });

  it('fails an enrollment without push data as NanoMDM does, keyed by the device the trigger named or the ID itself', () => {
    assert.deepStrictEqual(planPushes([job('X'), job('X:U', 'X')], new Map(), new Map()), [
      { kind: 'fail', job: job('X'), deviceId: 'X', topic: null, reason: PUSH_DATA_MISSING },
      { kind: 'fail', job: job('X:U', 'X'), deviceId: 'X', topic: null, reason: PUSH_DATA_MISSING },
    ]);
  });

  it('fails a refused token without sending, and a topic that cannot push with its reason', () => {
    const targets = new Map([['A', target('A', T1, true)], ['B', target('B', T2)]]);
    assert.deepStrictEqual(planPushes([job('A'), job('B')], targets, new Map([[T2, noCertificate(T2)]])), [
      { kind: 'fail', job: job('A'), deviceId: 'A', topic: T1, token: 'ab12', reason: TOKEN_INVALID },
      { kind: 'fail', job: job('B'), deviceId: 'B', topic: T2, token: 'ab12', reason: `no push certificate for topic "${T2}"` },
    ]);
    assert.equal(noCertificate(T2), `no push certificate for topic "${T2}"`);
  });
});
