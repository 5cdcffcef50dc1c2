import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PUSH_FAILURE } from '@espalier/contracts/events';
import { apiStatusCode, checkEnqueue, enrollmentIdsFromPath, goJson, orderedResult, placeOutcome } from './index';

describe('goJson', () => {
  it('writes tab-indented JSON with a trailing newline and Go\'s HTML-safe escapes', () => {
    assert.equal(goJson({ not_after: '2026-01-07T04:04:46Z', topic: 'com.apple.mgmt.X' }), '{\n\t"not_after": "2026-01-07T04:04:46Z",\n\t"topic": "com.apple.mgmt.X"\n}\n');
    assert.equal(goJson({ e: '<a>&\u2028' }), '{\n\t"e": "\\u003ca\\u003e\\u0026\\u2028"\n}\n');
    assert.equal(goJson({ status: { A: {} } }), '{\n\t"status": {\n\t\t"A": {}\n\t}\n}\n');
  });
});

describe('enrollmentIdsFromPath', () => {
  it('decodes, splits on commas (%2C too), keeps empty segments and slashes', () => {
    assert.deepStrictEqual(enrollmentIdsFromPath('A,B%2CC,,D%2FE'), ['A', 'B', 'C', '', 'D/E']);
    assert.deepStrictEqual(enrollmentIdsFromPath('A/B'), ['A/B']);
    assert.deepStrictEqual(enrollmentIdsFromPath(''), { error: 'getting enrollment ids: empty path' });
    assert.deepStrictEqual(enrollmentIdsFromPath('%zz'), { error: 'getting enrollment ids: invalid URL escape' });
  });
});

describe('APIResult', () => {
  it('orders keys as NanoMDM\'s struct, sorts status keys, omits empty fields', () => {
    const result = orderedResult({
      request_type: 'DeviceLock',
      command_uuid: 'U',
      status: { b: { command_error: '', push_result: 'X' }, a: { push_result: 'Y', push_error: 'E' } },
      no_push: undefined,
    });
    assert.equal(JSON.stringify(result), '{"status":{"a":{"push_error":"E","push_result":"Y"},"b":{"push_result":"X"}},"command_uuid":"U","request_type":"DeviceLock"}');
    assert.deepStrictEqual(orderedResult({ status: {}, no_push: true }), { no_push: true });
  });

  it('answers 200 with no errors, 207 with some, 500 with all or a top-level error', () => {
    const ok = { push_result: 'x' };
    const bad = { push_error: 'e' };
    assert.equal(apiStatusCode({ status: { a: ok, b: ok } }, 2), 200);
    assert.equal(apiStatusCode({ status: { a: ok, b: bad } }, 2), 207);
    assert.equal(apiStatusCode({ status: { a: bad, b: bad } }, 2), 500);
    assert.equal(apiStatusCode({ status: { a: ok }, push_error: 'topic' }, 1), 500);
    assert.equal(apiStatusCode({ command_error: 'x' }, 3), 500);
    assert.equal(apiStatusCode({}, 1), 200);
  });
});

describe('placeOutcome', () => {
  it('uses NanoMDM\'s texts', () => {
    assert.deepStrictEqual(placeOutcome({ sent: true, apnsId: 'ID' }), { id: { push_result: 'ID' } });
    assert.deepStrictEqual(placeOutcome({ sent: false, topic: 't', status: 410, reason: 'Unregistered', apnsTimestamp: 17 }), {
      id: { push_error: 'push HTTP status: 410: APNs push error: Unregistered: timestamp 17' },
    });
    assert.deepStrictEqual(placeOutcome({ sent: false, topic: 't', status: 400, reason: 'BadDeviceToken', apnsTimestamp: null }), {
      id: { push_error: 'push HTTP status: 400: APNs push error: BadDeviceToken' },
    });
    assert.deepStrictEqual(placeOutcome({ sent: false, topic: null, status: null, reason: PUSH_FAILURE.dataMissing, apnsTimestamp: null }), {
      id: { push_error: 'push data missing for id' },
    });
    assert.deepStrictEqual(placeOutcome({ sent: false, topic: 't', status: null, reason: PUSH_FAILURE.noCertificate('t'), apnsTimestamp: null }), {
      topLevel: 'retrieving push cert for topic "t": no push certificate for topic "t"',
    });
  });
});

describe('checkEnqueue', () => {
  it('refuses the whole request for a used UUID or any unknown ID', () => {
    const known = new Set(['A', 'B']);
    assert.equal(checkEnqueue('U', ['A', 'B', 'A'], { known, uuidUsed: false }), null);
    assert.deepStrictEqual(checkEnqueue('U', ['A'], { known, uuidUsed: true }), { code: 'uuid-used', message: 'enqueuing command: command UUID "U" already exists' });
    assert.deepStrictEqual(checkEnqueue('U', ['A', 'X', 'X'], { known, uuidUsed: false }), { code: 'unknown-enrollments', message: 'enqueuing command: unknown enrollment ID "X"' });
    const many = Array.from({ length: 12 }, (_, i) => `N${i}`);
    assert.match(checkEnqueue('U', many, { known, uuidUsed: false })?.message ?? '', /^enqueuing command: unknown enrollment IDs "N0", .*"N9" and 2 more$/);
  });
});
