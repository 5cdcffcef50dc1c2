/**
 * The fixed frame of a `bplist00` document: 8-byte magic, objects, offset
 * table, 32-byte trailer. Layout from Apple's CFBinaryPList.c
 * (https://opensource.apple.com/source/CF/CF-550.29/CFBinaryPList.c).
 *
 * Every number in the trailer comes from the sender, so each one is checked
 * against the real body length BEFORE anything is allocated or followed:
 * a 60-byte body must not be able to announce 2^64 objects.
 */
export const BINARY_PLIST_MAGIC = 'bplist00';
const HEADER_SIZE = 8;
const TRAILER_SIZE = 32;

export interface BinaryPlistFrame {
  /** Byte size of object references inside arrays and dicts (1..8). */
  readonly refSize: number;
  /** Start offset of every object, indexed by object reference. */
  readonly offsets: readonly number[];
  readonly rootRef: number;
  /** Objects live in [8, objectEnd): nothing may be read past it. */
  readonly objectEnd: number;
}

export function readFrame(body: Buffer): BinaryPlistFrame {
  if (body.length < HEADER_SIZE + 1 + TRAILER_SIZE) throw new Error(`binary plist: ${body.length} bytes is too short`);
  const trailer = body.subarray(body.length - TRAILER_SIZE);
  const offsetSize = trailer[6];
  const refSize = trailer[7];
  if (offsetSize < 1 || offsetSize > 8) throw new Error(`binary plist: invalid offset size ${offsetSize}`);
  if (refSize < 1 || refSize > 8) throw new Error(`binary plist: invalid object reference size ${refSize}`);
  const tableStart = trailer.readBigUInt64BE(24);
  const tableLimit = BigInt(body.length - TRAILER_SIZE);
  if (tableStart < HEADER_SIZE + 1 || tableStart > tableLimit) throw new Error(`binary plist: offset table at ${tableStart} is out of range`);
  const objectEnd = Number(tableStart);
  const count = trailer.readBigUInt64BE(8);
  // The table must fit before the trailer, and each object needs at least its marker byte.
  if (count * BigInt(offsetSize) > tableLimit - tableStart || count > BigInt(objectEnd - HEADER_SIZE)) {
    throw new Error(`binary plist: ${count} objects do not fit in ${body.length} bytes`);
  }
  const rootRef = trailer.readBigUInt64BE(16);
  if (rootRef >= count) throw new Error(`binary plist: root object ${rootRef} is out of range`);
  const offsets = readOffsets(body, objectEnd, Number(count), offsetSize);
  return { refSize, offsets, rootRef: Number(rootRef), objectEnd };
}

function readOffsets(body: Buffer, tableStart: number, count: number, size: number): number[] {
  const offsets = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    const offset = readUnsigned(body, tableStart + i * size, size);
    if (offset < HEADER_SIZE || offset >= tableStart) throw new Error(`binary plist: object ${i} offset ${offset} is out of range`);
    offsets[i] = offset;
  }
  return offsets;
}

/** A big-endian unsigned integer of 1..8 bytes; values past 2^53 cannot be valid offsets or counts anyway. */
export function readUnsigned(body: Buffer, at: number, size: number): number {
  if (size <= 6) return body.readUIntBE(at, size);
  let value = 0n;
  for (let i = 0; i < size; i++) value = (value << 8n) | BigInt(body[at + i]);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`binary plist: ${value} is too large for an offset or count`);
  return Number(value);
}
