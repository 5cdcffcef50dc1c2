import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  CHECKIN_CONTENT_TYPE_PREFIX,
  HEALTH_PATHS,
  ROUTES,
  SERVICES,
  routeRequest,
  type ServiceName,
} from '@espalier/contracts/routing';
import { settingsCatalog } from '@espalier/shared/util-config';
import { directive, directives, expand, locations, parseNginx, selectLocation } from './nginx-conf';
import { SERVICE_NODE_OPTIONS } from '../../tools/build/service-build';

// No Docker engine runs these tests: the stack is checked by reading its files.
const root = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface ComposeService {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  healthcheck?: { test?: string | string[] };
  depends_on?: string[] | Record<string, { condition?: string }>;
  ports?: (string | number | { published?: string | number; target?: number })[];
  restart?: string;
  volumes?: (string | { source?: string; target?: string })[];
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, ComposeService> };
const services = compose.services;
const nginxConfPath = 'deploy/nginx/espalier.conf';
const http = parseNginx(read(nginxConfPath));
const server = directive(http, 'server')?.block ?? [];
const APP_PORT_ENV = 'ESPALIER_LISTEN';

function env(service: ComposeService): Record<string, string> {
  const raw = service.environment ?? {};
  const pairs = Array.isArray(raw)
    ? raw.map((line) => [line.split('=')[0], line.slice(line.indexOf('=') + 1)] as const)
    : Object.entries(raw).map(([k, v]) => [k, String(v ?? '')] as const);
  return Object.fromEntries(pairs);
}

/** `:8080`, `0.0.0.0:8080`, `[::]:8080` → 8080. */
function listenPort(service: ComposeService): number {
  const listen = env(service)[APP_PORT_ENV];
  assert.ok(listen, `${APP_PORT_ENV} must be set so the healthcheck and proxy know the port`);
  const port = Number(listen.slice(listen.lastIndexOf(':') + 1));
  assert.ok(Number.isInteger(port) && port > 0, `${APP_PORT_ENV}=${listen}`);
  return port;
}

function commandOf(service: ComposeService): string {
  return Array.isArray(service.command) ? service.command.join(' ') : (service.command ?? '');
}

function dependsOn(service: ComposeService): Record<string, string | undefined> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, undefined]));
  return Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, d?.condition]));
}

function publishedPorts(service: ComposeService): string[] {
  return (service.ports ?? []).map((p) => (typeof p === 'object' ? `${p.published ?? ''}:${p.target}` : String(p)));
}

const espalierContainers = [...SERVICES, 'provision-topics'] as const;

describe('docker-compose.yml: infrastructure', () => {
  it('runs Kafka 3.9.x from apache/kafka in KRaft mode with container and host listeners', () => {
    const kafka = services.kafka;
    assert.match(kafka.image ?? '', /^apache\/kafka:3\.9\.\d+$/);
    const e = env(kafka);
    assert.equal(e.KAFKA_PROCESS_ROLES, 'broker,controller');
    assert.match(e.KAFKA_ADVERTISED_LISTENERS, /:\/\/kafka:19092(,|$)/);
    assert.match(e.KAFKA_ADVERTISED_LISTENERS, /:\/\/localhost:9092(,|$)/);
    assert.equal(e.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR, '1');
    assert.equal(e.KAFKA_AUTO_CREATE_TOPICS_ENABLE, 'false');
    assert.ok(kafka.volumes?.length, 'kafka keeps its log on a volume');
    assert.match(String(kafka.healthcheck?.test), /kafka-broker-api-versions\.sh/);
  });

  it('runs PostgreSQL from the postgres image with a pg_isready healthcheck', () => {
    const postgres = services.postgres;
    assert.match(postgres.image ?? '', /^postgres:\d+/);
    assert.ok(postgres.volumes?.length, 'postgres keeps its data on a volume');
    assert.match(String(postgres.healthcheck?.test), /pg_isready/);
  });

  it('provisions topics once, after Kafka is healthy, and does not restart', () => {
    const provision = services['provision-topics'];
    assert.match(commandOf(provision), /tools\/cli\/provision-topics\.ts/);
    assert.deepEqual(dependsOn(provision), { kafka: 'service_healthy' });
    assert.equal(provision.restart, 'no');
  });
});

describe('docker-compose.yml: Espalier services', () => {
  const images = new Set(espalierContainers.map((name) => services[name]?.image));

  for (const name of SERVICES) {
    describe(name, () => {
      const service = services[name];

      it('exists and is built from the repository Dockerfile', () => {
        assert.ok(service, `service ${name} missing`);
        const build = typeof service.build === 'string' ? { context: service.build } : service.build;
        assert.equal(build?.context, '.');
        assert.equal(build?.dockerfile ?? 'Dockerfile', 'Dockerfile');
      });

      it(`runs the bundle of apps/${name} that the image builds`, () => {
        assert.deepEqual(service.command, ['node', `dist/apps/${name}/main.js`]);
      });

      it(`has a healthcheck on ${HEALTH_PATHS.ready} at the ${APP_PORT_ENV} port`, () => {
        const test = String(service.healthcheck?.test);
        assert.ok(test.includes(`127.0.0.1:${listenPort(service)}${HEALTH_PATHS.ready}'`), test);
      });

      it('starts after Kafka and PostgreSQL are healthy and topics are provisioned', () => {
        assert.deepEqual(dependsOn(service), {
          kafka: 'service_healthy',
          postgres: 'service_healthy',
          'provision-topics': 'service_completed_successfully',
        });
      });

      it('publishes no host port (so it can be scaled)', () => {
        assert.deepEqual(publishedPorts(service), []);
      });
    });
  }

  it('all Espalier containers share one image name', () => {
    assert.equal(images.size, 1, [...images].join(', '));
    assert.ok([...images][0], 'image name set');
  });

  it('gives every app service the same shared settings, and the secret key only by interpolation', () => {
    const shared = ['ESPALIER_LISTEN', 'KAFKA_BROKERS', 'DATABASE_URL', 'ESPALIER_SECRET_KEY'];
    const pick = (e: Record<string, string>) => Object.fromEntries(shared.map((k) => [k, e[k]]));
    const first = env(services[SERVICES[0]]);
    for (const name of SERVICES) assert.deepEqual(pick(env(services[name])), pick(first), name);
    assert.match(first.ESPALIER_SECRET_KEY, /^\$\{ESPALIER_SECRET_KEY:\?.+\}$/);
    assert.equal(first.KAFKA_BROKERS, 'kafka:19092');
    assert.match(first.DATABASE_URL, /^postgres:\/\/espalier:espalier@postgres:5432\/espalier$/);
  });

  it('gives api and checkin (for /migration) the API key only by interpolation, empty by default (no API routes)', () => {
    for (const name of ['api', 'checkin']) assert.equal(env(services[name]).ESPALIER_API, '${ESPALIER_API:-}', name);
    assert.equal(env(services.checkin).ESPALIER_MIGRATION, '${ESPALIER_MIGRATION:-false}');
  });

  it('gives checkin and commands (both authenticate devices) the device CA from a read-only mount', () => {
    for (const name of ['checkin', 'commands']) {
      const service = services[name] as { volumes?: string[] };
      assert.equal(env(services[name]).ESPALIER_CA, '/etc/espalier/ca.pem', name);
      assert.ok(service.volumes?.includes('./deploy/ca:/etc/espalier:ro'), name);
    }
  });

  it('sets only settings from the catalog, each active and read by that service', () => {
    type Spec = { env: string; services?: readonly string[]; status?: unknown };
    const catalog = new Map((settingsCatalog as readonly Spec[]).map((s) => [s.env, s]));
    for (const name of espalierContainers) {
      for (const variable of Object.keys(env(services[name]))) {
        if (!variable.startsWith('ESPALIER_') && variable !== 'KAFKA_BROKERS' && variable !== 'DATABASE_URL') continue;
        const spec = catalog.get(variable);
        assert.ok(spec, `${name}: ${variable} is not in settingsCatalog`);
        if (spec.status !== undefined) assert.equal(spec.status, 'active', `${name}: ${variable} is not implemented yet`);
        if (spec.services && (SERVICES as readonly string[]).includes(name)) {
          assert.ok(spec.services.includes('all') || spec.services.includes(name), `${name} does not read ${variable}`);
        }
      }
    }
  });
});

describe('docker-compose.yml: the webhook service (NanoMDM -webhook-url)', () => {
  const webhook = services.webhook as ComposeService & { profiles?: string[] };

  it('runs the webhook bundle from the shared image, only with --profile webhook', () => {
    assert.deepEqual(webhook.command, ['node', 'dist/apps/webhook/main.js']);
    assert.equal(webhook.image, services.checkin.image);
    assert.deepEqual(webhook.profiles, ['webhook']);
    assert.deepEqual(dependsOn(webhook), dependsOn(services.checkin));
    assert.deepEqual(publishedPorts(webhook), []);
  });

  it('gets the shared settings, the URL and HMAC key by interpolation, and only settings it reads', () => {
    const e = env(webhook);
    for (const k of ['ESPALIER_LISTEN', 'KAFKA_BROKERS', 'DATABASE_URL', 'ESPALIER_SECRET_KEY']) assert.equal(e[k], env(services.checkin)[k], k);
    assert.equal(e.ESPALIER_WEBHOOK_URL, '${ESPALIER_WEBHOOK_URL:-}');
    assert.equal(e.ESPALIER_WEBHOOK_HMAC_KEY, '${ESPALIER_WEBHOOK_HMAC_KEY:-}');
    type Spec = { env: string; services: readonly string[]; status: unknown };
    const catalog = new Map((settingsCatalog as readonly Spec[]).map((s) => [s.env, s]));
    for (const variable of Object.keys(e)) {
      const spec = catalog.get(variable);
      assert.ok(spec && spec.status === 'active' && (spec.services.includes('all') || spec.services.includes('webhook')), variable);
    }
  });
});

describe('docker-compose.yml: dependencies and ports', () => {
  it('states a condition on every depends_on, matching what the dependency offers', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependsOn(service))) {
        assert.ok(services[dep], `${name} depends on unknown ${dep}`);
        if (condition === 'service_healthy') assert.ok(services[dep].healthcheck, `${dep} needs a healthcheck`);
        else assert.equal(condition, 'service_completed_successfully', `${name} → ${dep}: ${condition}`);
        if (condition === 'service_completed_successfully') assert.equal(services[dep].restart, 'no', dep);
      }
    }
  });

  it('publishes the proxy on 9000 after every service is healthy', () => {
    const proxy = services.proxy;
    assert.match(proxy.image ?? '', /^nginx:/);
    assert.ok(publishedPorts(proxy).includes('9000:9000'), publishedPorts(proxy).join(', '));
    assert.deepEqual(dependsOn(proxy), Object.fromEntries(SERVICES.map((s) => [s, 'service_healthy'])));
    const mounts = (proxy.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}`));
    assert.ok(mounts.some((m) => m.startsWith(`./${nginxConfPath}:/etc/nginx/conf.d/`)), mounts.join(', '));
  });
});

describe('deploy/nginx/espalier.conf', () => {
  const all = locations(server);
  const appPort = listenPort(services[SERVICES[0]]);

  /**
   * Where nginx sends a request: a service, null for the 404 location, or 'redirect' for nginx's
   * automatic 301 from a proxied `^~ /x/` location's bare path `/x` to `/x/`.
   */
  function nginxRoute(path: string, contentType: string | undefined): ServiceName | null | 'redirect' {
    const location = selectLocation(all, path);
    assert.ok(location, `no location for ${path}`);
    const pass = directive(location.block, 'proxy_pass');
    const slashed = all.find((l) => l.modifier === '^~' && l.path === `${path}/`);
    if (location.modifier !== '=' && slashed && directive(slashed.block, 'proxy_pass')) return 'redirect';
    if (!pass) {
      assert.equal(directive(location.block, 'return')?.args[0], '404', `${location.path} neither proxies nor 404s`);
      return null;
    }
    const url = expand(pass.args[0], location, http, { http_content_type: contentType ?? '' });
    const m = /^http:\/\/([a-z-]+):(\d+)$/.exec(url);
    assert.ok(m, `${location.path}: proxy_pass ${url} must be http://<service>:<port> with no URI (URI passed unchanged)`);
    assert.equal(Number(m[2]), appPort, `${location.path}: port`);
    assert.ok((SERVICES as readonly string[]).includes(m[1]), `${location.path}: ${m[1]} is not a service`);
    return m[1] as ServiceName;
  }

  it('listens on 9000 and resolves services through Docker DNS at request time', () => {
    assert.equal(directive(server, 'listen')?.args[0], '9000');
    assert.equal(directive(http, 'resolver')?.args[0], '127.0.0.11');
    assert.equal(directives(http, 'upstream').length, 0, 'static upstreams would pin the first replica set');
  });

  it('has exactly the ROUTES locations plus a 404 catch-all', () => {
    const expected = new Set(ROUTES.map((r) => `${r.match === 'exact' ? '=' : '^~'} ${r.path}`));
    expected.add(' /');
    assert.deepEqual(new Set(all.map((l) => `${l.modifier} ${l.path}`)), expected);
  });

  it('routes every ROUTES entry to its service', () => {
    for (const route of ROUTES) {
      const path = route.match === 'prefix' ? `${route.path}some/thing` : route.path;
      assert.equal(nginxRoute(path, route.when?.contentTypePrefix), route.service, route.path);
    }
  });

  it('routes /mdm by Content-Type exactly as routeRequest does', () => {
    assert.ok(directives(http, 'map').some((m) => m.args[0] === '$http_content_type'), 'a map on $http_content_type');
    const samples = [
      CHECKIN_CONTENT_TYPE_PREFIX,
      `${CHECKIN_CONTENT_TYPE_PREFIX}; charset=utf-8`,
      'application/x-apple-aspen-mdm',
      'application/X-Apple-Aspen-MDM-Checkin',
      `x${CHECKIN_CONTENT_TYPE_PREFIX}`,
      'text/plain',
      '',
      undefined,
    ];
    for (const contentType of samples) {
      assert.equal(nginxRoute('/mdm', contentType), routeRequest('PUT', '/mdm', contentType), String(contentType));
    }
  });

  // routeRequest answers null for a subtree's bare path (`/authproxy`, `/v1`); nginx answers it
  // with a 301 to the slash form, as Go's ServeMux does for NanoMDM's `/authproxy`.
  it('agrees with routeRequest on other paths, 404s and subtree redirects', () => {
    const paths = ['/', '/checkin', '/checkin/', '/mdm/', '/authproxy', '/authproxy/x', '/v1', '/v1/pushcert',
      '/version', '/version/x', '/migration', '/healthz', HEALTH_PATHS.ready, '/metrics'];
    for (const path of paths) {
      const bareSubtree = ROUTES.some((r) => r.match === 'prefix' && r.path === `${path}/`);
      const expected = routeRequest('GET', path, undefined) ?? (bareSubtree ? 'redirect' : null);
      assert.equal(nginxRoute(path, undefined), expected, path);
    }
  });

  it('forwards headers and body unchanged and adds X-Forwarded-For/Proto', () => {
    const text = read(nginxConfPath);
    const setHeaders = directives(server, 'proxy_set_header').map((d) => d.args[0].toLowerCase());
    assert.ok(setHeaders.includes('x-forwarded-for') && setHeaders.includes('x-forwarded-proto'), setHeaders.join());
    for (const untouchable of ['mdm-signature', 'content-type', 'content-length', 'authorization']) {
      assert.ok(!setHeaders.includes(untouchable), `${untouchable} must pass through as sent`);
    }
    assert.doesNotMatch(text, /^\s*(proxy_set_body|proxy_pass_request_body\s+off|proxy_pass_request_headers\s+off|gzip\s+on|sub_filter)\b/m);
    assert.match(directive(server, 'client_max_body_size')?.args[0] ?? '', /^\d+m$/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const pkg = JSON.parse(read('package.json')) as { dependencies: Record<string, string> };

  it('builds on node:20 and installs production dependencies, which include tsx and esbuild', () => {
    assert.match(dockerfile, /^FROM node:20[-.\w]*\s*$/m);
    assert.match(dockerfile, /^RUN npm ci --omit=dev\b/m);
    assert.ok(pkg.dependencies.tsx, 'tsx must be a runtime dependency: the command-line tools run through it');
    assert.ok(pkg.dependencies.esbuild, 'esbuild must be a runtime dependency: the image bundles the services with it');
  });

  it('bundles the services after copying the sources, and runs them with SERVICE_NODE_OPTIONS', () => {
    const lines = dockerfile.split('\n');
    const build = lines.findIndex((l) => /^RUN node --import tsx tools\/cli\/build\.ts\b/.test(l));
    assert.ok(build > lines.findIndex((l) => /^COPY libs\b/.test(l)), 'the build runs after the sources are copied');
    assert.equal(/^ENV NODE_OPTIONS="([^"]*)"\s*$/m.exec(dockerfile)?.[1], SERVICE_NODE_OPTIONS.join(' '));
  });

  it('copies what tsx needs at run time and runs as the node user', () => {
    for (const path of ['apps', 'libs', 'tools', 'tsconfig.base.json', 'tsconfig.json']) {
      assert.match(dockerfile, new RegExp(`^COPY .*\\b${path.replace('.', '\\.')}\\b`, 'm'), path);
    }
    assert.match(dockerfile, /^USER node\s*$/m);
    assert.match(dockerfile, /^EXPOSE 8080\s*$/m);
  });

  it('keeps local state out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.git', '.infra', 'data', '.nx']) assert.ok(ignored.includes(entry), entry);
  });
});
