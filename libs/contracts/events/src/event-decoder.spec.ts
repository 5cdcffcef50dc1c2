import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, encodeEvent } from './event-catalog';
import { EventDecodeError } from './event.errors';
import { buildEvent } from './event.fixtures';

function message(envelope: unknown, headers?: Record<string, string>) {
  return { value: Buffer.from(JSON.stringify(envelope)), headers };
}

function assertDecodeError(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof EventDecodeError, `expected EventDecodeError, got ${String(err)}`);
    assert.match(err.message, pattern);
    return true;
  });
}

describe('decodeEvent failures (all EventDecodeError, ready for the dead-letter topic)', () => {
  const valid = buildEvent('TokenUpdated');

  it('names the invalid data field', () => {
    const envelope = { ...valid, data: { ...valid.data, token: 7 } };
    assertDecodeError(() => decodeEvent(message(envelope)), /^decoding event TokenUpdated v1: data\.token: invalid input: expected string, received number$/);
  });

  it('names a missing envelope field', () => {
    const { correlationId: _omitted, ...envelope } = valid;
    assertDecodeError(() => decodeEvent(message(envelope)), /^decoding event TokenUpdated v1: correlationId: invalid input/);
  });

  it('rejects an unknown type', () => {
    assertDecodeError(() => decodeEvent(message({ ...valid, type: 'Foo' })), /^decoding event: unknown type "Foo"$/);
  });

  it('rejects a version newer than the catalog knows', () => {
    const err = captureDecodeError(() => decodeEvent(message({ ...valid, version: 2 })));
    assert.match(err.message, /^decoding event TokenUpdated v2: version 2 is newer than the catalog's v1/);
    assert.equal(err.eventType, 'TokenUpdated');
    assert.equal(err.eventVersion, 2);
  });

  it('rejects versions that are not positive integers', () => {
    assertDecodeError(() => decodeEvent(message({ ...valid, version: 0 })), /version: too small/);
    assertDecodeError(() => decodeEvent(message({ ...valid, version: '1' })), /^decoding event TokenUpdated: version: invalid input: expected number, received string$/);
  });

  it('rejects malformed JSON and non-object payloads', () => {
    assertDecodeError(() => decodeEvent({ value: Buffer.from('{"type":') }), /^decoding event: malformed json: /);
    assertDecodeError(() => decodeEvent({ value: '[]' }), /^decoding event: invalid input: expected object, received array$/);
  });

  it('rejects an empty (tombstone) message', () => {
    assertDecodeError(() => decodeEvent({ value: null }), /^decoding event: empty message value$/);
  });

  it('rejects headers that contradict the envelope', () => {
    const encoded = encodeEvent(valid);
    assertDecodeError(
      () => decodeEvent({ value: encoded.value, headers: { ...encoded.headers, 'espalier-type': 'PushSent' } }),
      /header espalier-type "PushSent" does not match the envelope \("TokenUpdated"\)/,
    );
  });

  it('ignores data fields the schema does not know (tolerant reader)', () => {
    const envelope = { ...valid, data: { ...valid.data, futureField: 1 } };
    assert.deepEqual(decodeEvent(message(envelope)), valid);
  });
});

function captureDecodeError(fn: () => unknown): EventDecodeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof EventDecodeError) return err;
    throw err;
  }
  assert.fail('expected an EventDecodeError');
}
