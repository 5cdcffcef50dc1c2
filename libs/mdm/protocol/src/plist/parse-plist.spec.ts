import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeBinaryPlist, writeXmlPlist, real } from '@espalier/shared/util-testing';
import { ProtocolError } from '../protocol.error';
import { parsePlist, parsePlistDict } from './parse-plist';

const sample = {
  String: 'héllo <&> wörld',
  Integer: 42,
  Negative: -7,
  Big: 2 ** 40,
  Real: real(1.5),
  True: true,
  False: false,
  Date: new Date('2024-05-06T07:08:09Z'),
  Data: Buffer.from([0, 1, 2, 254, 255]),
  Array: ['a', 1, [true]],
  Dict: { Nested: 'yes' },
  Empty: Buffer.alloc(0),
};
const expected = { ...sample, Real: 1.5 };

function rejects(body: Buffer | string, pattern: RegExp): void {
  const started = Date.now();
  assert.throws(
    () => parsePlist(Buffer.isBuffer(body) ? body : Buffer.from(body)),
    (err: unknown) => err instanceof ProtocolError && err.status === 400 && pattern.test(err.message),
  );
  assert.ok(Date.now() - started < 5000, 'a hostile body must not take long to reject');
}

describe('parsePlist: XML', () => {
  it('gives Buffers for <data>, numbers for <integer>/<real>, Dates for <date>, booleans', () => {
    assert.deepEqual(parsePlist(writeXmlPlist(sample)), expected);
  });

  it('rejects malformed XML, empty bodies and unknown elements with a 400', () => {
    rejects('<plist><dict><key>a</key><string>x</dict></plist>', /^parsing plist: /);
    rejects('', /^parsing plist: /);
    rejects('<plist><dict><key>a</key><uid>1</uid></dict></plist>', /Invalid PLIST tag uid/);
  });

  it('rejects integers that are not decimal or exceed 2^53 instead of rounding them', () => {
    rejects('<plist><dict><key>a</key><integer>12abc</integer></dict></plist>', /invalid integer "12abc"/);
    rejects('<plist><dict><key>a</key><integer>18446744073709551615</integer></dict></plist>', /outside/);
    assert.deepEqual(parsePlist(Buffer.from('<plist><integer>-9007199254740991</integer></plist>')), -Number.MAX_SAFE_INTEGER);
  });

  it('rejects an unparseable date', () => {
    rejects('<plist><dict><key>a</key><date>yesterday</date></dict></plist>', /invalid date/);
  });

  it('turns a stack-exhausting nesting into a 400', () => {
    rejects(`<plist>${'<array>'.repeat(100_000)}${'</array>'.repeat(100_000)}</plist>`, /^parsing plist: /);
  });

  it('refuses a __proto__ key', () => {
    rejects('<plist><dict><key>__proto__</key><string>x</string></dict></plist>', /__proto__/);
  });
});

describe('parsePlist: binary', () => {
  it('decodes every supported object type like the XML form', () => {
    assert.deepEqual(parsePlist(writeBinaryPlist(sample)), expected);
  });

  it('decodes 1-, 2-, 4-, 8- and 16-byte integers, float32 and UTF-16 strings', () => {
    const objects = [
      dictOf(6),
      ...['a', 'b', 'c', 'd', 'e', 'f'].map((k) => Buffer.from([0x51, k.charCodeAt(0)])),
      Buffer.from([0x10, 0xff]),
      Buffer.from([0x11, 0xff, 0xfe]),
      Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x13, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe]),
      Buffer.concat([Buffer.from([0x14]), Buffer.alloc(15), Buffer.from([0x05])]),
      Buffer.from([0x62, 0x00, 0xe9, 0x00, 0x41]),
    ];
    assert.deepEqual(parsePlist(rawBplist(objects)), { a: 255, b: 65534, c: 4294967295, d: -2, e: 5, f: 'éA' });
    const float32 = rawBplist([Buffer.from([0xa1, 1]), Buffer.from([0x22, 0x3f, 0xc0, 0x00, 0x00])]);
    assert.deepEqual(parsePlist(float32), [1.5]);
  });

  it('rejects integers beyond 2^53, UIDs, sets and unknown versions', () => {
    rejects(rawBplist([Buffer.from([0x13, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), /outside/);
    rejects(rawBplist([Buffer.from([0x80, 0x01])]), /UID/);
    rejects(rawBplist([Buffer.from([0xc0])]), /unsupported object marker 0xc0/);
    const v15 = writeBinaryPlist({ a: 1 });
    v15.write('15', 6, 'latin1');
    rejects(v15, /unsupported binary plist version "bplist15"/);
  });

  it('rejects every truncation of a valid body without hanging', () => {
    const body = writeBinaryPlist(sample);
    for (let length = 0; length < body.length; length++) rejects(body.subarray(0, length), /^parsing plist: /);
  });

  it('rejects an object that contains itself', () => {
    rejects(rawBplist([Buffer.from([0xa1, 0x00])]), /contains itself/);
    rejects(rawBplist([Buffer.from([0xa1, 0x01]), Buffer.from([0xd1, 0x02, 0x00]), Buffer.from([0x51, 0x6b])]), /contains itself/);
  });

  it('rejects out-of-range references, offsets, roots and trailer sizes', () => {
    rejects(rawBplist([Buffer.from([0xa1, 0x09])]), /reference 9 is out of range/);
    rejects(rawBplist([Buffer.from([0x10, 1])], { offsets: [200] }), /offset 200 is out of range/);
    rejects(rawBplist([Buffer.from([0x10, 1])], { root: 1n }), /root object 1/);
    rejects(rawBplist([Buffer.from([0x10, 1])], { tableOffset: 2n ** 63n }), /offset table/);
    rejects(rawBplist([Buffer.from([0x10, 1])], { objectCount: 2n ** 62n }), /do not fit/);
    rejects(rawBplist([Buffer.from([0x10, 1])], { refSize: 0 }), /reference size 0/);
  });

  it('rejects absurd lengths before allocating', () => {
    rejects(rawBplist([Buffer.from([0x4f, 0x12, 0x7f, 0xff, 0xff, 0xff])]), /runs past/);
    rejects(rawBplist([Buffer.from([0x4f, 0x13, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])]), /too large for an offset or count/);
    rejects(rawBplist([Buffer.from([0xaf, 0x12, 0x7f, 0xff, 0xff, 0xff])]), /runs past/);
  });

  it('bounds nesting depth and the number of objects a shared graph expands to', () => {
    const chain = Array.from({ length: 200 }, (_, i) => (i < 199 ? Buffer.from([0xa1, i + 1]) : Buffer.from([0x08])));
    rejects(rawBplist(chain), /nesting deeper than 128/);
    // Each array references the next twice: 2^100 visits if nothing stopped it.
    const doubling = Array.from({ length: 101 }, (_, i) => (i < 100 ? Buffer.from([0xa2, i + 1, i + 1]) : Buffer.from([0x09])));
    rejects(rawBplist(doubling), /more than \d+ objects/);
  });

  it('keeps a "__proto__" key as an ordinary key', () => {
    const value = parsePlist(rawBplist([dictOf(1), Buffer.from([0x59, ...Buffer.from('__proto__')]), Buffer.from([0x09])])) as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(value), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(value, '__proto__')?.value, true);
  });
});

describe('parsePlistDict', () => {
  it('requires a dict at the top level and prefixes errors with the context', () => {
    assert.throws(() => parsePlistDict(writeXmlPlist(['a']), 'decoding check-in'), { status: 400, message: 'decoding check-in: top level must be a dict, got array' });
    assert.throws(() => parsePlistDict(writeBinaryPlist('a'), 'decoding check-in'), { message: 'decoding check-in: top level must be a dict, got string' });
    assert.throws(() => parsePlistDict(Buffer.from('nope'), 'decoding check-in'), { status: 400, message: /^decoding check-in: parsing plist: / });
  });
});

/** A dict marker with n pairs whose keys are objects 1..n and values n+1..2n. */
function dictOf(pairs: number): Buffer {
  return Buffer.from([0xd0 | pairs, ...Array.from({ length: 2 * pairs }, (_, i) => i + 1)]);
}

interface RawOptions {
  readonly root?: bigint;
  readonly refSize?: number;
  readonly offsets?: number[];
  readonly objectCount?: bigint;
  readonly tableOffset?: bigint;
}

/** Hand-assembles a bplist00 from raw object bytes (1-byte refs, 2-byte offsets) so tests can corrupt any part. */
function rawBplist(objects: Buffer[], options: RawOptions = {}): Buffer {
  const offsets: number[] = [];
  let position = 8;
  for (const object of objects) {
    offsets.push(position);
    position += object.length;
  }
  const table = Buffer.concat((options.offsets ?? offsets).map((offset) => Buffer.from([offset >> 8, offset & 0xff])));
  const trailer = Buffer.alloc(32);
  trailer[6] = 2;
  trailer[7] = options.refSize ?? 1;
  trailer.writeBigUInt64BE(options.objectCount ?? BigInt(objects.length), 8);
  trailer.writeBigUInt64BE(options.root ?? 0n, 16);
  trailer.writeBigUInt64BE(options.tableOffset ?? BigInt(position), 24);
  return Buffer.concat([Buffer.from('bplist00', 'latin1'), ...objects, table, trailer]);
}
