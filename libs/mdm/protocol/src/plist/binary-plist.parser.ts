import { toSafeInteger } from './integer-range';
import { readFrame, readUnsigned, type BinaryPlistFrame } from './binary-plist.trailer';
import type { PlistDict, PlistValue } from './plist-value';

/**
 * Limits for hostile bodies. Objects may be shared (one string referenced by
 * a thousand arrays), so a small body can describe a huge tree: count every
 * object visited and every string/data byte produced, not just the input.
 * Same three guards as micromdm/plist's binary parser (depth 128).
 */
const MAX_DEPTH = 128;
const MAX_VISITS = 1 << 20;
const MAX_OUTPUT_BYTES = 1 << 26;

/** Seconds between the Unix epoch and Apple's (2001-01-01T00:00:00Z). */
const APPLE_EPOCH_OFFSET_SECONDS = 978_307_200;

/** Decodes a `bplist00` document. Throws a plain Error naming what is wrong; the caller adds context. */
export function parseBinaryPlist(body: Buffer): PlistValue {
  const frame = readFrame(body);
  return new BinaryPlistReader(body, frame).object(frame.rootRef, 0);
}

class BinaryPlistReader {
  private visits = 0;
  private outputBytes = 0;
  private readonly inProgress = new Set<number>();

  constructor(
    private readonly body: Buffer,
    private readonly frame: BinaryPlistFrame,
  ) {}

  object(ref: number, depth: number): PlistValue {
    if (ref >= this.frame.offsets.length) throw new Error(`binary plist: object reference ${ref} is out of range`);
    if (this.inProgress.has(ref)) throw new Error(`binary plist: object ${ref} contains itself`);
    if (depth >= MAX_DEPTH) throw new Error(`binary plist: nesting deeper than ${MAX_DEPTH}`);
    if (++this.visits > MAX_VISITS) throw new Error(`binary plist: more than ${MAX_VISITS} objects`);
    this.inProgress.add(ref);
    try {
      return this.decode(this.frame.offsets[ref], depth);
    } finally {
      this.inProgress.delete(ref);
    }
  }

  private decode(at: number, depth: number): PlistValue {
    const marker = this.bytes(at, 1)[0];
    const info = marker & 0x0f;
    switch (marker >> 4) {
      case 0x0:
        return singleton(info);
      case 0x1:
        return this.integer(at + 1, info);
      case 0x2:
        return this.real(at + 1, info);
      case 0x3:
        return this.date(at + 1, marker);
      case 0x4:
        return this.sized(at, info, 1, (start, length) => Buffer.from(this.bytes(start, length)));
      case 0x5:
        return this.sized(at, info, 1, (start, length) => this.bytes(start, length).toString('utf8'));
      case 0x6:
        return this.sized(at, info, 2, (start, length) => Buffer.from(this.bytes(start, length)).swap16().toString('utf16le'));
      case 0x8:
        throw new Error('binary plist: UID objects (keyed archives) are not supported');
      case 0xa:
        return this.sized(at, info, this.frame.refSize, (start, length) => this.array(start, length, depth));
      case 0xd:
        return this.sized(at, info, 2 * this.frame.refSize, (start, length) => this.dict(start, length, depth));
      default:
        throw new Error(`binary plist: unsupported object marker 0x${marker.toString(16)} at ${at}`);
    }
  }

  private integer(at: number, info: number): number {
    if (info > 4) throw new Error(`binary plist: integer of ${1 << info} bytes`);
    const size = 1 << info;
    const bytes = this.bytes(at, size);
    // CF writes 1-, 2- and 4-byte integers unsigned, 8- and 16-byte ones signed.
    if (size <= 4) return bytes.readUIntBE(0, size);
    if (size === 8) return toSafeInteger(bytes.readBigInt64BE(0));
    return toSafeInteger(BigInt.asIntN(128, (bytes.readBigUInt64BE(0) << 64n) | bytes.readBigUInt64BE(8)));
  }

  private real(at: number, info: number): number {
    if (info === 2) return this.bytes(at, 4).readFloatBE(0);
    if (info === 3) return this.bytes(at, 8).readDoubleBE(0);
    throw new Error(`binary plist: real of ${1 << info} bytes`);
  }

  private date(at: number, marker: number): Date {
    if (marker !== 0x33) throw new Error(`binary plist: invalid date marker 0x${marker.toString(16)}`);
    const date = new Date((this.bytes(at, 8).readDoubleBE(0) + APPLE_EPOCH_OFFSET_SECONDS) * 1000);
    if (Number.isNaN(date.getTime())) throw new Error('binary plist: date out of range');
    return date;
  }

  /** Objects with a length: the count is in the marker, or in a following integer object when the marker says 0xF. */
  private sized<T>(at: number, info: number, unit: number, read: (start: number, byteLength: number) => T): T {
    let start = at + 1;
    let count = info;
    if (info === 0x0f) {
      const countMarker = this.bytes(start, 1)[0];
      if (countMarker >> 4 !== 0x1 || (countMarker & 0x0f) > 3) throw new Error(`binary plist: invalid length marker at ${start}`);
      const size = 1 << (countMarker & 0x0f);
      count = readUnsigned(this.bytes(start + 1, size), 0, size);
      start += 1 + size;
    }
    const byteLength = count * unit;
    this.bytes(start, byteLength); // bounds check before any allocation
    if (unit <= 2 && (this.outputBytes += byteLength) > MAX_OUTPUT_BYTES) throw new Error(`binary plist: more than ${MAX_OUTPUT_BYTES} bytes of strings and data`);
    return read(start, byteLength);
  }

  private array(start: number, byteLength: number, depth: number): PlistValue[] {
    return this.refs(start, byteLength).map((ref) => this.object(ref, depth + 1));
  }

  private dict(start: number, byteLength: number, depth: number): PlistDict {
    const refs = this.refs(start, byteLength);
    const half = refs.length / 2;
    const dict: Record<string, PlistValue> = {};
    for (let i = 0; i < half; i++) {
      const key = this.object(refs[i], depth + 1);
      if (typeof key !== 'string') throw new Error('binary plist: dict key is not a string');
      // defineProperty, not assignment: a "__proto__" key must stay an ordinary own key.
      Object.defineProperty(dict, key, { value: this.object(refs[half + i], depth + 1), enumerable: true, writable: true, configurable: true });
    }
    return dict;
  }

  private refs(start: number, byteLength: number): number[] {
    const size = this.frame.refSize;
    const refs: number[] = [];
    for (let at = start; at < start + byteLength; at += size) refs.push(readUnsigned(this.body, at, size));
    return refs;
  }

  /** A view of [at, at+length) that must lie inside the object region. */
  private bytes(at: number, length: number): Buffer {
    if (at + length > this.frame.objectEnd) throw new Error(`binary plist: object at ${at} runs past the object table`);
    return this.body.subarray(at, at + length);
  }
}

function singleton(info: number): PlistValue {
  if (info === 0x0) return null;
  if (info === 0x8) return false;
  if (info === 0x9) return true;
  throw new Error(`binary plist: unsupported singleton 0x0${info.toString(16)}`);
}
