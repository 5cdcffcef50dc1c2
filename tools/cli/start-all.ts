/**
 * npm start (until the embedded mode of issue 8 lands): starts Kafka and
 * PostgreSQL with scripts/infra.sh unless KAFKA_BROKERS and DATABASE_URL are
 * set, runs the four services as child processes on 127.0.0.1:9001–9004 (and
 * the webhook service on 9005 when -webhook-url is set), and
 * serves NanoMDM's single port (:9000, or -listen / ESPALIER_LISTEN) with the
 * same routing rule the docker-compose proxy applies. Bodies and headers pass
 * through byte for byte. Ctrl-C stops everything gracefully.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { routeRequest, SERVICES, type ServiceName } from '@espalier/contracts/routing';
import { localInfraUp } from '../local-infra';

const root = path.resolve(__dirname, '../..');
const say = (msg: string) => process.stderr.write(`[espalier] ${msg}\n`);

function infraEnv(): Record<string, string> {
  const { KAFKA_BROKERS, DATABASE_URL } = process.env;
  if (KAFKA_BROKERS && DATABASE_URL) return { KAFKA_BROKERS, DATABASE_URL };
  say('starting Kafka and PostgreSQL (scripts/infra.sh up)…');
  return localInfraUp();
}

/**
 * The key that seals secrets in the event log. Generated once for a first
 * try and kept in data/ (losing it makes the sealed tokens unreadable);
 * production sets ESPALIER_SECRET_KEY.
 */
function secretKey(): string {
  if (process.env.ESPALIER_SECRET_KEY) return process.env.ESPALIER_SECRET_KEY;
  const file = path.join(root, 'data', 'secret-key');
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    say(`generated the event-log secret key in ${path.relative(root, file)}: keep it (set ESPALIER_SECRET_KEY in production)`);
  }
  return readFileSync(file, 'utf8').trim();
}

/** Like NanoMDM's -ca: the devices' identity certificates must chain to it, so there is no default. */
function deviceCa(): string {
  const ca = process.env.ESPALIER_CA;
  if (!ca) {
    say('ESPALIER_CA is not set: point it at the PEM of the CA that issues your devices\' identity certificates (NanoMDM\'s -ca), e.g.');
    say('  ESPALIER_CA=/path/to/scep-ca.pem npm start');
    process.exit(2);
  }
  return ca;
}

function listenAddress(): { host: string; port: number } {
  const i = process.argv.findIndex((a) => a === '-listen' || a === '--listen');
  const value = i >= 0 ? process.argv[i + 1] : (process.env.ESPALIER_LISTEN ?? ':9000');
  const m = /^(.*):(\d+)$/.exec(value ?? '');
  if (!m) throw new Error(`-listen (ESPALIER_LISTEN): expected [host]:port, got "${value}"`);
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
}

/**
 * The webhook service (NanoMDM's -webhook-url) runs only when a URL is set,
 * from ESPALIER_WEBHOOK_URL or `-webhook-url <url>` on this command line
 * (passed on to it as the variable; -webhook-hmac-key and the other
 * ESPALIER_WEBHOOK_* variables reach it through the environment).
 */
function webhookUrl(): string | undefined {
  const i = process.argv.findIndex((a) => a === '-webhook-url' || a === '--webhook-url');
  return (i >= 0 ? process.argv[i + 1] : undefined) || process.env.ESPALIER_WEBHOOK_URL || undefined;
}

type Running = Map<ServiceName | 'webhook', { child: ChildProcess; port: number }>;

function startServices(env: Record<string, string>, own: Partial<Record<ServiceName | 'webhook', Record<string, string>>>): Running {
  const running: Running = new Map();
  const names: (ServiceName | 'webhook')[] = own.webhook ? [...SERVICES, 'webhook'] : [...SERVICES];
  names.forEach((service, i) => {
    const port = 9001 + i;
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, `apps/${service}/src/main.ts`)], {
      cwd: root,
      env: { ...process.env, ...env, ...own[service], ESPALIER_LISTEN: `127.0.0.1:${port}` },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('exit', (code, signal) => {
      if (!stopping) {
        say(`${service} exited (${signal ?? code}); stopping`);
        void stop(1);
      }
    });
    running.set(service, { child, port });
  });
  return running;
}

let stopping = false;
let services: Running = new Map();
let front: http.Server | null = null;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  front?.close();
  say('stopping services (each finishes its batch in flight)…');
  await Promise.all(
    [...services.values()].map(
      ({ child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGTERM');
        }),
    ),
  );
  if (!process.env.KAFKA_BROKERS || !process.env.DATABASE_URL) say('Kafka and PostgreSQL keep running for the next start; `npm run infra:down` stops them.');
  process.exit(code);
}

function proxy(req: http.IncomingMessage, res: http.ServerResponse): void {
  const service = routeRequest(req.method ?? 'GET', req.url ?? '/', req.headers['content-type']);
  const target = service ? services.get(service) : undefined;
  if (!target) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('404 page not found\n');
    return;
  }
  const upstream = http.request(
    { host: '127.0.0.1', port: target.port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => {
    if (!res.headersSent) res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(`${service} is not reachable\n`);
  });
  req.pipe(upstream);
}

function main(): void {
  const listen = listenAddress();
  const ca = deviceCa();
  const webhook = webhookUrl();
  services = startServices(
    { ...infraEnv(), ESPALIER_SECRET_KEY: secretKey() },
    { checkin: { ESPALIER_CA: ca }, commands: { ESPALIER_CA: ca }, ...(webhook && { webhook: { ESPALIER_WEBHOOK_URL: webhook } }) },
  );
  front = http.createServer(proxy);
  const names = [...services.keys()];
  front.listen(listen.port, listen.host, () => say(`listening on ${listen.host}:${listen.port}; services on 127.0.0.1:9001–${9000 + names.length} (${names.join(', ')})`));
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
}

main();
