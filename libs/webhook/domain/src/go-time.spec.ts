import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goRfc3339NanoUtc } from './go-time';

describe("goRfc3339NanoUtc: Go's time.RFC3339Nano in UTC", () => {
  it('trims trailing zeros of the fraction, and drops a zero fraction', () => {
    assert.equal(goRfc3339NanoUtc('2026-11-26T12:32:34.120Z'), '2026-11-26T12:32:34.12Z');
    assert.equal(goRfc3339NanoUtc('2026-11-26T12:32:34.000Z'), '2026-11-26T12:32:34Z');
    assert.equal(goRfc3339NanoUtc('2026-11-26T12:32:34Z'), '2026-11-26T12:32:34Z');
    assert.equal(goRfc3339NanoUtc('2025-01-02T03:04:05.123456789Z'), '2025-01-02T03:04:05.123456789Z');
  });

  it("keeps at most nanoseconds and prints Go's zero time", () => {
    assert.equal(goRfc3339NanoUtc('2025-01-02T03:04:05.1234567891Z'), '2025-01-02T03:04:05.123456789Z');
    assert.equal(goRfc3339NanoUtc('0001-01-01T00:00:00Z'), '0001-01-01T00:00:00Z');
    assert.equal(goRfc3339NanoUtc('0001-01-01T00:00:00.000Z'), '0001-01-01T00:00:00Z');
  });

  it('converts an offset to UTC, across a day boundary', () => {
    assert.equal(goRfc3339NanoUtc('2025-01-02T03:04:05.5-08:00'), '2025-01-02T11:04:05.5Z');
    assert.equal(goRfc3339NanoUtc('2025-01-01T23:30:00+01:30'), '2025-01-01T22:00:00Z');
    assert.equal(goRfc3339NanoUtc('2025-01-02T00:30:00.25+01:00'), '2025-01-01T23:30:00.25Z');
  });

  it('refuses what is not RFC 3339', () => {
    assert.throws(() => goRfc3339NanoUtc('2025-01-02 03:04:05'), /not an RFC 3339 date-time/);
  });
});
