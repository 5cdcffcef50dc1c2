import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { childrenOf, DerError, readOid, readTime, readTlv } from './der-reader';

const bytes = (hex: string) => Buffer.from(hex.replace(/\s/g, ''), 'hex');

describe('der-reader', () => {
  it('reads short and long definite lengths', () => {
    assert.deepEqual(readTlv(bytes('0403 616263'), 0, 5), { tag: 4, start: 0, contentStart: 2, contentEnd: 5, end: 5 });
    const long = Buffer.concat([bytes('048181'), Buffer.alloc(0x81)]);
    assert.equal(readTlv(long, 0, long.length).end, long.length);
  });

  it('reads indefinite lengths only when allowed, and only on constructed elements', () => {
    const ber = bytes('3080 0201 05 3080 0500 0000 0000');
    const outer = readTlv(ber, 0, ber.length, true);
    assert.equal(outer.end, ber.length);
    assert.deepEqual(childrenOf(ber, outer, true).map((c) => c.tag), [0x02, 0x30]);
    assert.throws(() => readTlv(ber, 0, ber.length), DerError);
    assert.throws(() => readTlv(bytes('0480 0000'), 0, 4, true), /primitive/);
  });

  for (const [name, hex] of [
    ['a truncated element', '0405 6162'],
    ['a truncated length', '0482 01'],
    ['a length beyond the parent', '3003 0405 61'],
    ['a high tag number', '1f01 00'],
    ['a five-byte length', '0485 0000000001 00'],
    ['a missing end-of-contents', '3080 0500'],
  ] as const) {
    it(`refuses ${name}`, () => {
      const input = bytes(hex);
      assert.throws(() => childrenOf(input, readTlv(input, 0, input.length, true), true), DerError);
    });
  }

  it('bounds the nesting of indefinite lengths', () => {
    const nested = Buffer.concat([Buffer.alloc(200).fill(bytes('3080')), Buffer.alloc(200)]);
    assert.throws(() => readTlv(nested, 0, nested.length, true), /too deep/);
  });

  it('decodes object identifiers and times', () => {
    assert.equal(readOid(bytes('0609 2a864886f70d010702'), readTlv(bytes('0609 2a864886f70d010702'), 0, 11)), '1.2.840.113549.1.7.2');
    const utc = Buffer.concat([bytes('170d'), Buffer.from('491231235959Z')]);
    assert.equal(readTime(utc, readTlv(utc, 0, utc.length)).toISOString(), '2049-12-31T23:59:59.000Z');
    const generalized = Buffer.concat([bytes('180f'), Buffer.from('20500101000000Z')]);
    assert.equal(readTime(generalized, readTlv(generalized, 0, generalized.length)).toISOString(), '2050-01-01T00:00:00.000Z');
    const invalid = Buffer.concat([bytes('170d'), Buffer.from('250231000000Z')]);
    assert.throws(() => readTime(invalid, readTlv(invalid, 0, invalid.length)), /invalid date/);
  });
});
