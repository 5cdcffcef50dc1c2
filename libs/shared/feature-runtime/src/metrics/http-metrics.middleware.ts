import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DurationHistogram } from './duration-histogram';

/** The HTTP request durations of this service. */
@Injectable()
export class HttpDurations extends DurationHistogram {
  constructor() {
    super('espalier_http_request_duration_seconds', 'HTTP request duration in seconds, until the response was sent, by method, route template and status.');
  }
}

/** Express sets `route` on the request once a route matched (Nest registers each controller route with Express). */
type RoutedRequest = IncomingMessage & { route?: { path?: unknown } };

/**
 * Times every request until its response finished. The route label is the
 * matched route's template (`/v1/*rest`, not the path with its IDs), so the
 * number of series stays bounded; requests no route matched share
 * "unmatched". A request whose client went away before the response ended is
 * not counted (it has no status).
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(@Inject(HttpDurations) private readonly durations: HttpDurations) {}

  use(req: RoutedRequest, res: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    res.once('finish', () => {
      const route = typeof req.route?.path === 'string' ? req.route.path : 'unmatched';
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.durations.observe({ method: req.method ?? 'UNKNOWN', route, status: String(res.statusCode) }, seconds);
    });
    next();
  }
}
