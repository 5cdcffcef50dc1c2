import { ROUTES, type Route } from './routes';
import type { ServiceName } from './services';

/**
 * Which service answers a public request, or null for 404. `path` is the request target's path;
 * a query string, if present, is ignored. `method` does not take part: NanoMDM restricts no
 * method at the routing level (`/v1/pushcert` answers 405 itself, inside `api`).
 */
export function routeRequest(_method: string, path: string, contentType: string | undefined): ServiceName | null {
  const pathOnly = stripQuery(path);
  const route = ROUTES.find((r) => pathMatches(r, pathOnly) && conditionHolds(r, contentType));
  return route ? route.service : null;
}

function stripQuery(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

function pathMatches(route: Route, path: string): boolean {
  return route.match === 'exact' ? path === route.path : path.startsWith(route.path);
}

function conditionHolds(route: Route, contentType: string | undefined): boolean {
  if (!route.when) return true;
  return (contentType ?? '').startsWith(route.when.contentTypePrefix);
}
