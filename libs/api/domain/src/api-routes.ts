/** The operations of the API, each once: the router matches them and the OpenAPI test checks them against the document. */
export const API_OPERATIONS = [
  { kind: 'pushcert-get', method: 'GET', path: '/v1/pushcert' },
  { kind: 'pushcert-put', method: 'PUT', path: '/v1/pushcert' },
  // NanoMDM answers push, enqueue and escrowkeyunlock on any method; its docs use these.
  { kind: 'push', method: 'GET', path: '/v1/push/{ids}' },
  { kind: 'enqueue', method: 'PUT', path: '/v1/enqueue/{ids}' },
  { kind: 'escrowkeyunlock', method: 'POST', path: '/v1/escrowkeyunlock' },
  { kind: 'enrollments', method: 'GET', path: '/v1/enrollments' },
  { kind: 'enrollment', method: 'GET', path: '/v1/enrollments/{id}' },
  { kind: 'queue', method: 'GET', path: '/v1/enrollments/{id}/queue' },
  { kind: 'clear-queue', method: 'DELETE', path: '/v1/enrollments/{id}/queue' },
  { kind: 'history', method: 'GET', path: '/v1/enrollments/{id}/events' },
  { kind: 'commands', method: 'POST', path: '/v1/commands' },
  { kind: 'command', method: 'GET', path: '/v1/commands/{uuid}' },
  { kind: 'openapi', method: 'GET', path: '/v1/openapi.json' },
] as const;

export type ApiOperation = (typeof API_OPERATIONS)[number]['kind'];

/** Where a request under /v1/ goes. `param` is the raw (still percent-encoded) path parameter. */
export type ApiRoute =
  | { readonly kind: ApiOperation; readonly param: string }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'method-not-allowed' };

/** Routes answered on any method, as NanoMDM's handlers do. */
const ANY_METHOD = new Set<ApiOperation>(['push', 'enqueue', 'escrowkeyunlock']);

/**
 * Matches `rest` (the raw path after `/v1/`) and the method. NanoMDM's
 * subtree routes keep everything after their prefix as one parameter (IDs
 * may contain `/`); `/v1/push` without the slash redirects, as Go's
 * ServeMux does.
 */
export function matchApiRoute(method: string, rest: string): ApiRoute {
  if (rest === 'push' || rest === 'enqueue') return { kind: 'redirect', location: `/v1/${rest}/` };
  const candidates = candidatesFor(rest);
  if (candidates.length === 0) return { kind: 'not-found' };
  const hit = candidates.find((c) => ANY_METHOD.has(c.kind) || API_OPERATIONS.some((op) => op.kind === c.kind && op.method === method));
  return hit ?? { kind: 'method-not-allowed' };
}

function candidatesFor(rest: string): { kind: ApiOperation; param: string }[] {
  const one = (kind: ApiOperation, param = '') => [{ kind, param }];
  if (rest === 'pushcert') return [...one('pushcert-get'), ...one('pushcert-put')];
  if (rest === 'escrowkeyunlock') return one('escrowkeyunlock');
  if (rest === 'openapi.json') return one('openapi');
  if (rest === 'commands') return one('commands');
  if (rest.startsWith('push/')) return one('push', rest.slice('push/'.length));
  if (rest.startsWith('enqueue/')) return one('enqueue', rest.slice('enqueue/'.length));
  const [head, param, tail, ...more] = rest.split('/');
  if (more.length > 0 || param === '') return [];
  if (head === 'commands' && param !== undefined && tail === undefined) return one('command', param);
  if (head !== 'enrollments') return [];
  if (param === undefined) return one('enrollments');
  if (tail === undefined) return one('enrollment', param);
  if (tail === 'queue') return [...one('queue', param), ...one('clear-queue', param)];
  if (tail === 'events') return one('history', param);
  return [];
}
