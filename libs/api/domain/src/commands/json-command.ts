import { COMMAND_CATALOG } from './command-catalog.generated';
import type { CommandKeySpec, CommandSpec } from './command-spec';

/** A plist value as the `plist` builder writes it: Buffer → data, Date → date. */
export type PlistOut = string | number | boolean | Date | Buffer | PlistOut[] | { [key: string]: PlistOut };

const BY_TYPE = new Map(COMMAND_CATALOG.map((c) => [c.requestType, c]));
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function commandSpec(requestType: string): CommandSpec | undefined {
  return BY_TYPE.get(requestType);
}

export const requestTypes = (): string[] => [...BY_TYPE.keys()];

/**
 * Checks a JSON command's fields against Apple's schema for its RequestType
 * and converts them to plist values: strings, integers, reals and booleans
 * as they are, `date` from an RFC 3339 string, `data` from base64. Every
 * problem is reported with the path of the field, e.g.
 * `Settings[0].Where: must be one of 1, 2, 3`.
 */
export function convertCommandFields(spec: CommandSpec, fields: Record<string, unknown>): { value: Record<string, PlistOut> } | { errors: string[] } {
  const errors: string[] = [];
  const value = dictionary(spec.keys, fields, '', errors, `a key of ${spec.requestType}`);
  return errors.length > 0 ? { errors } : { value: value as Record<string, PlistOut> };
}

function dictionary(keys: readonly CommandKeySpec[] | undefined, input: unknown, path: string, errors: string[], owner = 'a key here'): PlistOut {
  if (!isObject(input)) return fail(errors, path, 'must be an object');
  if (!keys || keys.some((k) => k.key === 'ANY')) return anyValue(input, path, errors);
  const out: { [key: string]: PlistOut } = {};
  for (const [name, raw] of Object.entries(input)) {
    const spec = keys.find((k) => k.key === name);
    if (!spec) {
      errors.push(`${join(path, name)}: not ${owner}`);
      continue;
    }
    out[name] = convert(spec, raw, join(path, name), errors);
  }
  for (const spec of keys) if (spec.required && !(spec.key in input)) errors.push(`${join(path, spec.key)}: required`);
  return out;
}

function convert(spec: CommandKeySpec, raw: unknown, path: string, errors: string[]): PlistOut {
  switch (spec.type) {
    case 'string':
      return typeof raw === 'string' ? allowed(spec, raw, path, errors) : fail(errors, path, 'must be a string');
    case 'integer':
      return Number.isInteger(raw) ? allowed(spec, raw as number, path, errors) : fail(errors, path, 'must be an integer');
    case 'real':
      return typeof raw === 'number' && Number.isFinite(raw) ? allowed(spec, raw, path, errors) : fail(errors, path, 'must be a number');
    case 'boolean':
      return typeof raw === 'boolean' ? raw : fail(errors, path, 'must be true or false');
    case 'date': {
      const at = typeof raw === 'string' && /^\d{4}-\d\d-\d\dT/.test(raw) ? new Date(raw) : null;
      return at && !Number.isNaN(at.getTime()) ? at : fail(errors, path, 'must be an RFC 3339 date-time string');
    }
    case 'data':
      return typeof raw === 'string' && BASE64.test(raw) ? Buffer.from(raw, 'base64') : fail(errors, path, 'must be base64 data');
    case 'dictionary':
      return dictionary(spec.keys, raw, path, errors);
    case 'array':
      return Array.isArray(raw) ? raw.map((item, i) => arrayItem(spec.keys, item, `${path}[${i}]`, errors)) : fail(errors, path, 'must be an array');
    case 'any':
      return anyValue(raw, path, errors);
  }
}

/** An array's items may be one of several shapes (Settings' items); the first that fits is used. */
function arrayItem(alternatives: readonly CommandKeySpec[] | undefined, item: unknown, path: string, errors: string[]): PlistOut {
  if (!alternatives || alternatives.length === 0) return anyValue(item, path, errors);
  if (alternatives.length === 1) return convert(alternatives[0], item, path, errors);
  for (const alternative of alternatives) {
    const tried: string[] = [];
    const value = convert(alternative, item, path, tried);
    if (tried.length === 0) return value;
  }
  return fail(errors, path, `matches none of ${alternatives.map((a) => a.key).join(', ')}`);
}

/** Free-form values (Apple's `<any>` and ANY keys): JSON types map to plist types. */
function anyValue(raw: unknown, path: string, errors: string[]): PlistOut {
  if (typeof raw === 'string' || typeof raw === 'boolean') return raw;
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (Array.isArray(raw)) return raw.map((item, i) => anyValue(item, `${path}[${i}]`, errors));
  if (isObject(raw)) return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, anyValue(v, join(path, k), errors)]));
  return fail(errors, path, 'must be a string, number, boolean, array or object (plist has no null)');
}

function allowed<T extends string | number>(spec: CommandKeySpec, raw: T, path: string, errors: string[]): T {
  if (spec.values && !spec.values.includes(raw)) errors.push(`${path}: must be one of ${spec.values.join(', ')}`);
  return raw;
}

function fail(errors: string[], path: string, message: string): PlistOut {
  errors.push(`${path || '(command)'}: ${message}`);
  return '';
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const join = (path: string, key: string) => (path ? `${path}.${key}` : key);
