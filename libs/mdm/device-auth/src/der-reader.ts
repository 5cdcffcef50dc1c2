/**
 * A small, strict tag-length-value reader for the few ASN.1 structures device authentication
 * needs (CMS SignedData, X.509 certificates). It builds no object tree: every element is a set of
 * offsets into the caller's bytes, so a 2 KB Mdm-Signature costs microseconds, not the
 * milliseconds of a schema-driven parser.
 *
 * - Single-byte tags only (tag numbers 0–30): CMS and X.509 need no more. High tags are refused.
 * - Definite lengths up to 2^32−1, always bounds-checked against the enclosing element.
 * - Indefinite lengths (BER, `0x80` … `00 00`) only where the caller allows them: Apple devices
 *   encode the CMS envelope of an Mdm-Signature with them (NSS-derived encoder; micromdm#211,
 *   nanomdm#32). Certificates and signed attributes are DER and are read without that allowance.
 *   Finding the end of an indefinite element walks its children, at most MAX_DEPTH levels deep.
 */
export interface Tlv {
  /** The identifier octet (class, constructed bit and tag number). */
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  /** Exclusive; for an indefinite length, the offset of the end-of-contents octets. */
  readonly contentEnd: number;
  /** Exclusive end of the whole element, end-of-contents included. */
  readonly end: number;
}

export const TAG = {
  boolean: 0x01,
  integer: 0x02,
  bitString: 0x03,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  utcTime: 0x17,
  generalizedTime: 0x18,
  sequence: 0x30,
  set: 0x31,
} as const;

/** Any structural problem; callers translate it into their own error. */
export class DerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DerError';
  }
}

const MAX_DEPTH = 16;
const CONSTRUCTED = 0x20;

/** Reads the element at `pos`, which must end at or before `limit`. */
export function readTlv(bytes: Uint8Array, pos: number, limit: number, allowIndefinite = false, depth = 0): Tlv {
  if (depth > MAX_DEPTH) throw new DerError('nesting too deep');
  if (pos + 2 > limit) throw new DerError('truncated element');
  const tag = bytes[pos];
  if ((tag & 0x1f) === 0x1f) throw new DerError('high tag numbers are not supported');
  if (tag === 0) throw new DerError('unexpected end-of-contents');
  let first = bytes[pos + 1];
  let cursor = pos + 2;
  if (first < 0x80) return element(tag, pos, cursor, cursor + first, limit);
  if (first === 0x80) {
    if (!allowIndefinite) throw new DerError('indefinite length not allowed here');
    if ((tag & CONSTRUCTED) === 0) throw new DerError('indefinite length on a primitive element');
    let child = cursor;
    for (;;) {
      if (child + 2 > limit) throw new DerError('missing end-of-contents');
      if (bytes[child] === 0 && bytes[child + 1] === 0) return { tag, start: pos, contentStart: cursor, contentEnd: child, end: child + 2 };
      child = readTlv(bytes, child, limit, true, depth + 1).end;
    }
  }
  first &= 0x7f;
  if (first > 4) throw new DerError('length too large');
  if (cursor + first > limit) throw new DerError('truncated length');
  let length = 0;
  for (let i = 0; i < first; i++) length = length * 256 + bytes[cursor++];
  return element(tag, pos, cursor, cursor + length, limit);
}

function element(tag: number, start: number, contentStart: number, contentEnd: number, limit: number): Tlv {
  if (contentEnd > limit) throw new DerError('length exceeds the enclosing element');
  return { tag, start, contentStart, contentEnd, end: contentEnd };
}

/** The elements inside a constructed element, which must fill it exactly. */
export function childrenOf(bytes: Uint8Array, parent: Tlv, allowIndefinite = false): Tlv[] {
  if ((parent.tag & CONSTRUCTED) === 0) throw new DerError('primitive element where a constructed one was expected');
  const found: Tlv[] = [];
  for (let pos = parent.contentStart; pos < parent.contentEnd; ) {
    const child = readTlv(bytes, pos, parent.contentEnd, allowIndefinite);
    found.push(child);
    pos = child.end;
  }
  return found;
}

/** Reads the element at `pos` and checks its identifier octet. */
export function expectTlv(bytes: Uint8Array, pos: number, limit: number, tag: number, allowIndefinite = false): Tlv {
  const found = readTlv(bytes, pos, limit, allowIndefinite);
  if (found.tag !== tag) throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${found.tag.toString(16)}`);
  return found;
}

export function contentOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.contentStart, tlv.contentEnd);
}

export function encodingOf(bytes: Uint8Array, tlv: Tlv): Uint8Array {
  return bytes.subarray(tlv.start, tlv.end);
}

/** Dotted form of an OBJECT IDENTIFIER's content; minimal base-128 arcs only. */
export function readOid(bytes: Uint8Array, tlv: Tlv): string {
  if (tlv.tag !== TAG.oid) throw new DerError('expected an OBJECT IDENTIFIER');
  const { contentStart: start, contentEnd: end } = tlv;
  if (start === end) throw new DerError('empty OBJECT IDENTIFIER');
  let text = '';
  let value = 0;
  let atStart = true;
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    if (atStart && byte === 0x80) throw new DerError('non-minimal OBJECT IDENTIFIER arc');
    value = value * 128 + (byte & 0x7f);
    if (value > Number.MAX_SAFE_INTEGER) throw new DerError('OBJECT IDENTIFIER arc too large');
    atStart = (byte & 0x80) === 0;
    if (!atStart) continue;
    if (text === '') text = value < 80 ? `${Math.floor(value / 40)}.${value % 40}` : `2.${value - 80}`;
    else text += `.${value}`;
    value = 0;
  }
  if (!atStart) throw new DerError('truncated OBJECT IDENTIFIER');
  return text;
}

/** A small non-negative INTEGER (versions, path lengths); larger values saturate. */
export function readSmallInteger(bytes: Uint8Array, tlv: Tlv): number {
  if (tlv.tag !== TAG.integer) throw new DerError('expected an INTEGER');
  const length = tlv.contentEnd - tlv.contentStart;
  if (length === 0) throw new DerError('empty INTEGER');
  if (bytes[tlv.contentStart] & 0x80) throw new DerError('negative INTEGER');
  if (length > 6) return Number.MAX_SAFE_INTEGER;
  let value = 0;
  for (let i = tlv.contentStart; i < tlv.contentEnd; i++) value = value * 256 + bytes[i];
  return value;
}

export function readBoolean(bytes: Uint8Array, tlv: Tlv): boolean {
  if (tlv.tag !== TAG.boolean || tlv.contentEnd - tlv.contentStart !== 1) throw new DerError('expected a BOOLEAN');
  return bytes[tlv.contentStart] !== 0;
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3})\d*)?Z$/;

/** UTCTime (years 1950–2049, as RFC 5280) or GeneralizedTime, in UTC ("Z") form. */
export function readTime(bytes: Uint8Array, tlv: Tlv): Date {
  const text = String.fromCharCode(...bytes.subarray(tlv.contentStart, Math.min(tlv.contentEnd, tlv.contentStart + 32)));
  let parts: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === TAG.utcTime && (parts = UTC_TIME.exec(text))) {
    const yy = Number(parts[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
  } else if (tlv.tag === TAG.generalizedTime && (parts = GENERALIZED_TIME.exec(text))) {
    year = Number(parts[1]);
  } else {
    throw new DerError('expected a UTCTime or GeneralizedTime');
  }
  const [month, day, hour, minute, second] = parts.slice(2, 7).map(Number);
  const millis = parts[7] ? Number(parts[7].padEnd(3, '0')) : 0;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second, millis));
  // Date.UTC rolls 31 February into March: refuse what does not round-trip.
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) {
    throw new DerError('invalid date');
  }
  return date;
}
