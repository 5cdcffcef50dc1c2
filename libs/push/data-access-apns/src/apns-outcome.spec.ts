import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goawayOutcome, responseOutcome, transportOutcome } from './apns-outcome';

describe('apns outcomes', () => {
  it('200 without an apns-id is a failure, not a success with an empty ID', () => {
    assert.deepEqual(responseOutcome(200, undefined, ''), {
      ok: false,
      status: 200,
      reason: 'APNs answered 200 without an apns-id header',
      timestamp: null,
    });
  });

  it('an undecodable error body gives a reason that says so', () => {
    const outcome = responseOutcome(503, undefined, '<html>busy</html>');
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.status, 503);
    assert.match(!outcome.ok ? outcome.reason : '', /^decoding APNs error body: .*<html>busy<\/html>/);
  });

  it('an error body without a reason is reported as such', () => {
    assert.deepEqual(responseOutcome(400, undefined, '{"timestamp":1}'), {
      ok: false,
      status: 400,
      reason: 'decoding APNs error body: no reason: {"timestamp":1}',
      timestamp: null,
    });
  });

  it('a GOAWAY uses its code as status and its debug data as the body', () => {
    assert.deepEqual(goawayOutcome(0, Buffer.from('{"reason":"Shutdown"}')), {
      ok: false,
      status: 0,
      reason: 'Shutdown',
      timestamp: null,
    });
    const empty = goawayOutcome(2, undefined);
    assert.equal(!empty.ok && empty.status, 2);
    assert.match(!empty.ok ? empty.reason : '', /^decoding APNs error body/);
  });

  it('transport errors have no status', () => {
    assert.deepEqual(transportOutcome(new Error('connect ECONNREFUSED')), {
      ok: false,
      status: null,
      reason: 'connect ECONNREFUSED',
      timestamp: null,
    });
  });
});
