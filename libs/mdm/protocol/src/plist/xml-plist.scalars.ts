import { toSafeInteger } from './integer-range';

/**
 * Text → value for the XML plist leaf elements, as strict as Go's
 * micromdm/plist where that is sensible. Each function gets the element's
 * character data (entities already decoded) and throws a plain Error naming
 * what is wrong; the parser adds the "decoding plist:" context.
 */

/** XML's own whitespace (S production), not JavaScript's \s, which also matches NBSP and friends. */
const XML_SPACE = /[ \t\r\n]+/g;
const XML_SPACE_ONLY = /^[ \t\r\n]*$/;
const DECIMAL = /^[+-]?\d+$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]+)$/;
/** Longer than any 64-bit integer in any form we accept: refused before BigInt spends time on it. */
const MAX_INTEGER_CHARS = 64;
const REAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^([+-]?)inf(?:inity)?$/i;
const NAN = /^[+-]?nan$/i;
/** RFC 3339, the layout Go's plist decoder parses `<date>` with (Apple writes `2024-05-06T07:08:09Z`). */
const DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;
/** Characters and padding only; the length is checked separately (no backtracking-heavy pattern over large bodies). */
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function isXmlSpace(text: string): boolean {
  return XML_SPACE_ONLY.test(text);
}

/** Strips XML whitespace at both ends. */
export function trimXml(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isXmlSpaceChar(text.charCodeAt(start))) start++;
  while (end > start && isXmlSpaceChar(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

/** A short, quoted excerpt of untrusted text for an error message. */
export function preview(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

/** Decimal with an optional sign, or `0x` hex like Go; beyond ±(2^53 − 1) is refused, never rounded. */
export function decodeInteger(raw: string): number {
  const text = trimXml(raw);
  if (text.length > MAX_INTEGER_CHARS && (DECIMAL.test(text) || HEX.test(text))) {
    throw new RangeError(`integer ${preview(text)} is outside ±(2^53 - 1)`);
  }
  if (DECIMAL.test(text)) return toSafeInteger(BigInt(text));
  const hex = HEX.exec(text);
  if (hex) {
    const magnitude = BigInt(`0x${hex[2]}`);
    return toSafeInteger(hex[1] === '-' ? -magnitude : magnitude);
  }
  throw new Error(`invalid integer ${preview(text)}`);
}

/** Decimal or exponent notation, plus the inf/nan spellings Go's ParseFloat accepts; nothing parseFloat would half-read. */
export function decodeReal(raw: string): number {
  const text = trimXml(raw);
  if (REAL.test(text)) return Number(text);
  const infinity = INFINITY.exec(text);
  if (infinity) return infinity[1] === '-' ? -Infinity : Infinity;
  if (NAN.test(text)) return NaN;
  throw new Error(`invalid real ${preview(text)}`);
}

/** RFC 3339 with every field range-checked (`new Date` would roll Feb 30 over to March). */
export function decodeDate(raw: string): Date {
  const text = trimXml(raw);
  const match = DATE.exec(text);
  if (!match) throw new Error(`invalid date ${preview(text)}`);
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const [fraction, sign, offsetHours, offsetMinutes] = [match[7], match[8], Number(match[9] ?? 0), Number(match[10] ?? 0)];
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    throw new Error(`invalid date ${preview(text)}`);
  }
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const offset = (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  const utc = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999.
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millis);
  return new Date(utc.getTime() - offset);
}

/** Standard padded base64; XML whitespace anywhere (devices wrap lines) but nothing else, and no lenient decoding. */
export function decodeData(raw: string): Buffer {
  const compact = raw.replace(XML_SPACE, '');
  if (compact.length % 4 !== 0 || !BASE64.test(compact)) throw new Error('invalid base64 in <data>');
  return Buffer.from(compact, 'base64');
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function isXmlSpaceChar(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}
