import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HEALTH_PATHS, routeRequest, type ServiceName } from '@espalier/contracts/routing';

/** One instance of a service, by its own listener. */
export interface Upstream {
  readonly name: string;
  readonly port: number;
}

/** Set on the front's own 502, so a test tells "the instance's connection failed" from a service's answer. */
export const FRONT_ERROR_HEADER = 'x-test-front-error';

export interface FrontStats {
  /** Requests forwarded, per upstream name (including those that then failed). */
  readonly forwarded: Map<string, number>;
  /** Requests answered 502 because the upstream connection failed, per upstream name. */
  readonly failed: Map<string, number>;
}

const HEALTH_EVERY_MS = 250;
const HEALTH_TIMEOUT_MS = 3_000;

/**
 * The reverse proxy of ARCHITECTURE §1 in the test process, for several
 * instances per service: the route is the project's own rule (`routeRequest`
 * from libs/contracts/routing, as deploy/nginx implements it), and each
 * service's instances take requests round-robin while `/readyz` answers 200.
 * An instance whose connection fails is taken out at once, until its health
 * check passes again.
 *
 * The front never retries. Check-ins and reports are not idempotent requests:
 * each one accepted is an event, so a TokenUpdate sent twice counts twice in
 * the tally, a NotNow twice in the NotNow count, a report sent again is
 * recorded again and its reply (the next command) delivered again. The state
 * converges (latest status, same queue), but the log and its counters record
 * requests, as NanoMDM's storage does. A connection that fails after the
 * request went out may have been applied before the instance died, and the
 * front cannot tell; a device sends a failed request again anyway (on its next
 * poll or push), so a retry here would only add a second one. Only a refused
 * connection (nothing sent) would be safe to retry. (nginx, by contrast,
 * passes an idempotent method such as PUT to the next server on `error`; see
 * `proxy_next_upstream`.) The device gets a 502 with FRONT_ERROR_HEADER, or a
 * broken connection when the instance died mid-answer.
 */
export class RoutingFront {
  private server: http.Server | null = null;
  private timer: NodeJS.Timeout | null = null;
  private checking = false;
  private readonly healthy = new Map<string, boolean>();
  private readonly next = new Map<ServiceName, number>();
  readonly stats: FrontStats = { forwarded: new Map(), failed: new Map() };

  constructor(private readonly pools: Readonly<Partial<Record<ServiceName, readonly Upstream[]>>>) {
    for (const upstream of Object.values(pools).flat()) this.healthy.set(upstream.name, true);
  }

  async start(): Promise<string> {
    const server = http.createServer((req, res) => void this.handle(req, res));
    // Idle device connections stay open for the whole test: no close-while-reused races.
    server.keepAliveTimeout = 120_000;
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.timer = setInterval(() => void this.checkHealth(), HEALTH_EVERY_MS);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const service = routeRequest(req.method ?? 'GET', req.url ?? '/', req.headers['content-type']);
    const body = await readBody(req);
    const upstream = service ? this.pick(service) : null;
    if (!service) return void res.writeHead(404).end('404 page not found\n');
    if (!upstream) return void res.writeHead(502, { [FRONT_ERROR_HEADER]: `no healthy ${service}` }).end();
    count(this.stats.forwarded, upstream.name);
    let settled = false;
    const fail = () => {
      if (settled) return;
      settled = true;
      this.failed(upstream, res);
    };
    const forward = http.request(
      { host: '127.0.0.1', port: upstream.port, method: req.method, path: req.url, headers: forwardedHeaders(req.headers, body.length), agent: false },
      (answer) => {
        answer.on('error', fail);
        answer.on('end', () => (settled = true));
        res.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
        answer.pipe(res);
      },
    );
    forward.on('error', fail);
    forward.end(body);
  }

  /** Round-robin over the service's instances that are up. */
  private pick(service: ServiceName): Upstream | null {
    const pool = this.pools[service] ?? [];
    const start = this.next.get(service) ?? 0;
    for (let i = 0; i < pool.length; i++) {
      const candidate = pool[(start + i) % pool.length];
      if (this.healthy.get(candidate.name)) {
        this.next.set(service, (start + i + 1) % pool.length);
        return candidate;
      }
    }
    return null;
  }

  private failed(upstream: Upstream, res: http.ServerResponse): void {
    this.healthy.set(upstream.name, false);
    count(this.stats.failed, upstream.name);
    if (!res.headersSent) res.writeHead(502, { [FRONT_ERROR_HEADER]: `connection to ${upstream.name} failed` }).end();
    else res.destroy();
  }

  /**
   * An instance is up while `/readyz` answers 200, down when it answers otherwise or refuses the
   * connection. A slow answer changes nothing: on two busy cores a live instance can take a
   * while, and a dead one refuses at once.
   */
  private async checkHealth(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await Promise.all(Object.values(this.pools).flat().map((upstream) => this.checkOne(upstream)));
    } finally {
      this.checking = false;
    }
  }

  private async checkOne(upstream: Upstream): Promise<void> {
    const signal = AbortSignal.timeout(HEALTH_TIMEOUT_MS);
    try {
      const res = await fetch(`http://127.0.0.1:${upstream.port}${HEALTH_PATHS.ready}`, { signal });
      await res.arrayBuffer();
      this.healthy.set(upstream.name, res.status === 200);
    } catch {
      if (!signal.aborted) this.healthy.set(upstream.name, false);
    }
  }
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'content-length'];

function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.includes(name)));
}

/** The device's headers as sent (Mdm-Signature, Content-Type, Host…), with the buffered body's length, one request per connection. */
function forwardedHeaders(headers: http.IncomingHttpHeaders, length: number): http.OutgoingHttpHeaders {
  return { ...withoutHopByHop(headers), 'content-length': String(length), connection: 'close' };
}

function count(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}
