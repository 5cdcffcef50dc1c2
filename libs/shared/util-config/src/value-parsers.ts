import { parseDuration } from './duration';
import { parseHostPort, type Parsed } from './host-port';
import { decodeSecretKey } from './secret-key';
import type { SettingSpec } from './setting.types';

const BOOLS: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };
const INTEGER = /^-?\d+$/;

/**
 * Turns a setting's text (from a flag, the environment or the catalog default) into its value.
 * Reasons never repeat the text: the caller decides whether it may be shown (secrets may not).
 */
export function parseSettingValue(spec: SettingSpec, text: string): Parsed<unknown> {
  switch (spec.kind) {
    case 'string':
      return spec.format === 'aes-256-key' ? parseAesKey(text) : ok(text);
    case 'path':
      return text === '' ? fail('must not be empty') : ok(text);
    case 'bool':
      return text in BOOLS ? ok(BOOLS[text]) : fail('must be true, false, 1 or 0');
    case 'int':
      return parseInteger(text, spec.min);
    case 'duration':
      return parseGoDuration(text);
    case 'url':
      return parseUrl(text, spec.schemes ?? ['http', 'https']);
    case 'hostport':
      return parseHostPort(text);
    case 'list':
      return parseList(text, spec.items);
    case 'enum':
      return spec.values?.includes(text) ? ok(text) : fail(`must be one of ${(spec.values ?? []).join(', ')}`);
    default:
      return assertNever(spec.kind);
  }
}

function parseAesKey(text: string): Parsed<string> {
  return decodeSecretKey(text) ? ok(text) : fail('must be 32 bytes, base64 or hex encoded');
}

function parseInteger(text: string, min: number | undefined): Parsed<number> {
  const value = Number(text);
  if (!INTEGER.test(text) || !Number.isSafeInteger(value)) return fail('must be a whole number');
  if (min !== undefined && value < min) return fail(`must be at least ${min}`);
  return ok(value);
}

function parseGoDuration(text: string): Parsed<number> {
  const ms = parseDuration(text);
  return ms === undefined ? fail('must be a duration like 500ms, 5s, 2m, 1h or 1m30s') : ok(ms);
}

function parseUrl(text: string, schemes: readonly string[]): Parsed<string> {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`must be an absolute ${schemes.join(' or ')} URL`);
  }
  const scheme = url.protocol.slice(0, -1);
  return schemes.includes(scheme) ? ok(text) : fail(`must be a ${schemes.join(' or ')} URL`);
}

function parseList(text: string, items: SettingSpec['items']): Parsed<string[]> {
  const values = text.split(',').map((item) => item.trim()).filter((item) => item !== '');
  if (values.length === 0) return fail('must list at least one item');
  if (items !== 'hostport') return ok(values);
  for (const [index, item] of values.entries()) {
    const parsed = parseHostPort(item, { requireHost: true });
    if (!parsed.ok) return fail(`item ${index + 1}: ${parsed.reason}`);
  }
  return ok(values);
}

function ok<T>(value: T): Parsed<T> {
  return { ok: true, value };
}

function fail(reason: string): Parsed<never> {
  return { ok: false, reason };
}

function assertNever(kind: never): never {
  throw new Error(`config: unhandled setting kind ${String(kind)}`);
}
