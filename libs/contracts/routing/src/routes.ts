import type { ServiceName } from './services';

/**
 * A request is a check-in when its Content-Type starts with this string. NanoMDM tests it with
 * Go's `strings.HasPrefix`: case-sensitive, and parameters such as `; charset=utf-8` may follow.
 * See NanoMDM's /mdm handler and Apple's "Check-in" protocol page:
 * https://developer.apple.com/documentation/devicemanagement/check-in
 */
export const CHECKIN_CONTENT_TYPE_PREFIX = 'application/x-apple-aspen-mdm-checkin';

/**
 * `exact`: the path equals `path` (Go ServeMux pattern without a trailing slash, nginx `= path`).
 * `prefix`: the path starts with `path`, which ends in `/` (Go subtree pattern, nginx `^~ path`).
 */
export type PathMatch = 'exact' | 'prefix';

/** Extra condition on a route; the header is compared as sent, case-sensitively. */
export interface ContentTypeCondition {
  readonly contentTypePrefix: string;
}

export interface Route {
  readonly path: string;
  readonly match: PathMatch;
  readonly service: ServiceName;
  readonly when?: ContentTypeCondition;
}

/**
 * The public routes of the one MDM origin (NanoMDM's `:9000`), in precedence order: the first
 * route whose path and condition hold wins. Only the two `/mdm` entries share a path, and the
 * conditional one comes first. Paths are compared after the query string is dropped.
 *
 * The reverse proxy in docker-compose (deploy/nginx/espalier.conf) and the embedded in-process
 * router both implement exactly this table; test/compose checks the nginx side against it.
 * `push` has no public route: it only consumes events and calls APNs.
 *
 * A prefix route's bare path (`/authproxy`, `/v1`) matches nothing here; the proxy answers it
 * with a 301 to the slash form (nginx does so for proxied `^~ /x/` locations, as Go's ServeMux
 * does for NanoMDM's `/authproxy/`), and an in-process router should do the same.
 */
export const ROUTES: readonly Route[] = [
  { path: '/mdm', match: 'exact', service: 'checkin', when: { contentTypePrefix: CHECKIN_CONTENT_TYPE_PREFIX } },
  { path: '/mdm', match: 'exact', service: 'commands' },
  { path: '/checkin', match: 'exact', service: 'checkin' },
  { path: '/authproxy/', match: 'prefix', service: 'checkin' },
  { path: '/v1/', match: 'prefix', service: 'api' },
  { path: '/version', match: 'exact', service: 'api' },
  // NanoMDM serves it with the API key, but it is a check-in: the check-in service decides it.
  { path: '/migration', match: 'exact', service: 'checkin' },
];
