/**
 * What a decoded property list is made of. Both the XML and the binary
 * parser produce exactly these JavaScript values, so decoders never care
 * which format a device used.
 *
 * Integers are plain numbers: both parsers refuse integers outside
 * ±(2^53 − 1) rather than silently rounding them (see integer-range.ts).
 */
export type PlistValue = string | number | boolean | Date | Buffer | null | PlistArray | PlistDict;
export type PlistArray = readonly PlistValue[];
export interface PlistDict {
  readonly [key: string]: PlistValue;
}

/** Plist type names as they appear in error messages (`"Token" must be data, got string`). */
export type PlistTypeName = 'string' | 'integer' | 'real' | 'boolean' | 'date' | 'data' | 'null' | 'array' | 'dict';

export function isPlistDict(value: unknown): value is PlistDict {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value) && !(value instanceof Date);
}

/**
 * The plist name of a decoded value. XML `<real>1</real>` and `<integer>1</integer>`
 * both become the number 1, so a whole number reads as "integer".
 */
export function plistTypeName(value: PlistValue): PlistTypeName {
  if (value === null) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'real';
  if (Buffer.isBuffer(value)) return 'data';
  if (value instanceof Date) return 'date';
  return Array.isArray(value) ? 'array' : 'dict';
}

/**
 * Reads a key only if the dict itself holds it: a body must not be able to
 * reach `toString` or `constructor` through the prototype.
 */
export function ownValue(dict: PlistDict, key: string): PlistValue | undefined {
  return Object.hasOwn(dict, key) ? dict[key] : undefined;
}
