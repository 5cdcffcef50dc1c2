import type http from 'node:http';
import { routeRequest, type ServiceName } from '@espalier/contracts/routing';

/** Paths NanoMDM's -disable-mdm stops serving (the device side); the API stays. */
const MDM_PATHS = [/^\/mdm$/, /^\/checkin$/, /^\/authproxy\//];

/**
 * The one port of the one-process mode: the same routing rule as the
 * docker-compose proxy, but a request is handed to the chosen service's own
 * HTTP handler in this process, so bodies and headers reach it untouched
 * and without a second hop.
 */
export function frontDoor(services: ReadonlyMap<ServiceName, http.Server>, options: { readonly disableMdm: boolean }): http.RequestListener {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const service = options.disableMdm && MDM_PATHS.some((p) => p.test(path)) ? null : routeRequest(req.method ?? 'GET', req.url ?? '/', req.headers['content-type']);
    const target = service ? services.get(service) : undefined;
    if (!target) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
      return;
    }
    target.emit('request', req, res);
  };
}

/**
 * The operators' port (loopback by default): each service's own health and
 * metrics endpoints under its name, e.g. /commands/readyz, /api/metrics,
 * which the public port never serves.
 */
export function opsDoor(services: ReadonlyMap<string, http.Server>): http.RequestListener {
  return (req, res) => {
    const m = /^\/([a-z]+)(\/(?:healthz|readyz|metrics))(\?.*)?$/.exec(req.url ?? '/');
    const target = m ? services.get(m[1]) : undefined;
    if (!m || !target) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`404: try /<service>/healthz, /<service>/readyz or /<service>/metrics for ${[...services.keys()].join(', ')}\n`);
      return;
    }
    req.url = m[2] + (m[3] ?? '');
    target.emit('request', req, res);
  };
}
