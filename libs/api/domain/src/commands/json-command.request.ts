import { build } from 'plist';
import { commandSpec, convertCommandFields, type PlistOut } from './json-command';

/** Which enrollments a JSON command goes to, when listing IDs would not fit (100,000 do not fit a URL). */
export type Selector = { readonly all: true } | { readonly topic: string } | { readonly type: string };

export interface JsonCommand {
  readonly commandUuid: string;
  readonly requestType: string;
  /** The command plist, exactly as it will be stored and served. */
  readonly plist: Buffer;
  readonly targets: { readonly enrollmentIds: readonly string[] } | { readonly selector: Selector };
  readonly noPush: boolean;
}

const RESERVED = new Set(['request_type', 'command_uuid', 'enrollment_ids', 'selector', 'no_push']);
const MAX_IDS = 1_000_000;

/**
 * `POST /v1/commands`: `{"request_type": "DeviceLock", "Message": "…", "enrollment_ids": […]}`
 * or `"selector": {"all": true} | {"topic": "…"} | {"type": "…"}`; optional
 * `command_uuid` (default a new UUID) and `no_push`. Every other key is a
 * field of the command, checked against Apple's schema. All problems are
 * returned at once, each naming its field.
 */
export function parseJsonCommand(input: unknown, newUuid: () => string): JsonCommand | { errors: string[] } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { errors: ['(body): must be a JSON object'] };
  const body = input as Record<string, unknown>;
  const errors: string[] = [];
  const requestType = body.request_type;
  const spec = typeof requestType === 'string' ? commandSpec(requestType) : undefined;
  if (typeof requestType !== 'string' || requestType === '') errors.push('request_type: required, a string such as "DeviceLock"');
  else if (!spec) errors.push(`request_type: unknown request type ${JSON.stringify(requestType)}`);
  const commandUuid = body.command_uuid ?? newUuid();
  if (typeof commandUuid !== 'string' || commandUuid === '') errors.push('command_uuid: must be a non-empty string');
  const noPush = body.no_push ?? false;
  if (typeof noPush !== 'boolean') errors.push('no_push: must be true or false');
  const targets = targetsOf(body, errors);
  const fields = Object.fromEntries(Object.entries(body).filter(([key]) => !RESERVED.has(key)));
  const converted = spec ? convertCommandFields(spec, fields) : { value: {} };
  if ('errors' in converted) errors.push(...converted.errors);
  if (errors.length > 0 || !spec || !targets || 'errors' in converted) return { errors };
  const plist = build({ CommandUUID: commandUuid as string, Command: { RequestType: spec.requestType, ...converted.value } } as { [key: string]: PlistOut });
  return { commandUuid: commandUuid as string, requestType: spec.requestType, plist: Buffer.from(plist, 'utf8'), targets, noPush: noPush as boolean };
}

function targetsOf(body: Record<string, unknown>, errors: string[]): JsonCommand['targets'] | null {
  const ids = body.enrollment_ids;
  const selector = body.selector;
  if ((ids === undefined) === (selector === undefined)) {
    errors.push('enrollment_ids or selector: exactly one is required');
    return null;
  }
  if (ids !== undefined) {
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_IDS || !ids.every((id) => typeof id === 'string' && id !== '')) {
      errors.push(`enrollment_ids: must be a non-empty array of up to ${MAX_IDS} non-empty strings`);
      return null;
    }
    return { enrollmentIds: [...new Set(ids as string[])] };
  }
  const s = selector as Record<string, unknown>;
  const keys = typeof s === 'object' && s !== null && !Array.isArray(s) ? Object.keys(s) : [];
  if (keys.length === 1 && s.all === true) return { selector: { all: true } };
  if (keys.length === 1 && typeof s.topic === 'string' && s.topic !== '') return { selector: { topic: s.topic } };
  if (keys.length === 1 && typeof s.type === 'string' && s.type !== '') return { selector: { type: s.type } };
  errors.push('selector: must be {"all": true}, {"topic": "<push topic>"} or {"type": "<enrollment type>"}');
  return null;
}
