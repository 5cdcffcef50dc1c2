import { badRequest } from '../protocol.error';
import { isPlistDict, ownValue, plistTypeName, type PlistArray, type PlistDict, type PlistValue } from './plist-value';

interface FieldTypes {
  string: string;
  data: Buffer;
  boolean: boolean;
  integer: number;
  dict: PlistDict;
  array: PlistArray;
}
export type FieldKind = keyof FieldTypes;

const matches: { readonly [K in FieldKind]: (value: PlistValue) => boolean } = {
  string: (v) => typeof v === 'string',
  data: (v) => Buffer.isBuffer(v),
  boolean: (v) => typeof v === 'boolean',
  integer: (v) => typeof v === 'number' && Number.isInteger(v),
  dict: isPlistDict,
  array: (v) => Array.isArray(v),
};

/**
 * A key NanoMDM decodes into a typed Go field: absent is fine (Go leaves the
 * zero value), present with another plist type fails decoding (§4) → 400
 * naming the key, e.g. `decoding check-in: "Token" must be data, got string`.
 */
export function field<K extends FieldKind>(dict: PlistDict, key: string, kind: K, context: string): FieldTypes[K] | undefined {
  const value = ownValue(dict, key);
  if (value === undefined) return undefined;
  if (!matches[kind](value)) throw badRequest(`${context}: "${key}" must be ${kind}, got ${plistTypeName(value)}`);
  return value as FieldTypes[K];
}

/**
 * A key NanoMDM does not decode (it only keeps it in the raw bytes): we
 * surface it when it has the expected type and otherwise ignore it, because
 * rejecting it would refuse bodies NanoMDM accepts.
 */
export function informational<K extends FieldKind>(dict: PlistDict, key: string, kind: K): FieldTypes[K] | undefined {
  const value = ownValue(dict, key);
  return value !== undefined && matches[kind](value) ? (value as FieldTypes[K]) : undefined;
}
