import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createUuidV7Generator, isUuidV7, uuidv7, uuidv7Timestamp } from './uuidv7';

const fixedRandom = (fill: number) => (size: number) => Buffer.alloc(size, fill);

describe('uuidv7', () => {
  it('has the canonical 8-4-4-4-12 lowercase hex format', () => {
    assert.match(uuidv7(), /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it('sets version 7 and the RFC 9562 variant bits, even when the random bytes are all ones', () => {
    const id = uuidv7(() => 0, fixedRandom(0xff));
    assert.equal(id[14], '7');
    assert.match(id[19], /[89ab]/);
    assert.ok(isUuidV7(id));
  });

  it('embeds the clock as 48-bit unix milliseconds', () => {
    const ms = Date.UTC(2025, 5, 1, 12, 0, 0, 123);
    const id = uuidv7(() => ms, fixedRandom(0));
    assert.equal(id.slice(0, 13), `${ms.toString(16).padStart(12, '0').slice(0, 8)}-${ms.toString(16).padStart(12, '0').slice(8)}`);
    assert.equal(uuidv7Timestamp(id), ms);
  });

  it('is deterministic for an injected clock and random source', () => {
    assert.equal(uuidv7(() => 1_700_000_000_000, fixedRandom(0x42)), uuidv7(() => 1_700_000_000_000, fixedRandom(0x42)));
  });

  it('orders IDs by time across milliseconds', () => {
    let now = 1_700_000_000_000;
    const next = createUuidV7Generator({ clock: () => (now += 7) });
    const ids = Array.from({ length: 50 }, next);
    assert.deepEqual([...ids].sort(), ids);
  });

  it('stays strictly increasing within one millisecond and across counter overflow', () => {
    const next = createUuidV7Generator({ clock: () => 1_700_000_000_000 });
    const ids = Array.from({ length: 5000 }, next);
    for (let i = 1; i < ids.length; i++) assert.ok(ids[i - 1] < ids[i], `${ids[i - 1]} < ${ids[i]}`);
    assert.ok(uuidv7Timestamp(ids[ids.length - 1]) > 1_700_000_000_000, 'overflow advances the timestamp');
  });

  it('does not go backwards when the clock does', () => {
    const times = [2_000, 1_000];
    const next = createUuidV7Generator({ clock: () => times.shift() ?? 0 });
    const first = next();
    const second = next();
    assert.ok(first < second);
  });

  it('rejects clocks that are not unix milliseconds', () => {
    assert.throws(() => uuidv7(() => -1), /uuidv7: clock returned -1/);
    assert.throws(() => uuidv7(() => Number.NaN), /uuidv7: clock returned NaN/);
  });

  it('validates UUIDv7 strings', () => {
    assert.equal(isUuidV7('0190b6b2-3c1e-7cde-8f00-0123456789ab'), true);
    assert.equal(isUuidV7('0190b6b2-3c1e-4cde-8f00-0123456789ab'), false, 'version 4');
    assert.equal(isUuidV7('0190b6b2-3c1e-7cde-cf00-0123456789ab'), false, 'wrong variant');
    assert.throws(() => uuidv7Timestamp('nope'), /"nope" is not a UUIDv7/);
  });
});
