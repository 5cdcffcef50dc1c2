/**
 * npm start: every Espalier service in this one process, on NanoMDM's single
 * port (:9000, or -listen / ESPALIER_LISTEN), with no Kafka and no
 * PostgreSQL server to run: PostgreSQL is embedded (PGlite) and the event
 * log is kept in its tables, both under the data directory (./data, or
 * ESPALIER_DATA_DIR), so everything survives a restart. DATABASE_URL and
 * KAFKA_BROKERS switch to real engines. Takes NanoMDM's flags (-ca, -api,
 * -listen, …) for all services at once. Ctrl-C stops gracefully.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { VERSION } from '@espalier/shared/feature-runtime';
import { oneProcessEnvironment } from '@espalier/shared/util-config';
import { startOneProcess, type OneProcess } from '../one-process/one-process';

const root = path.resolve(__dirname, '../..');
const say = (msg: string) => process.stderr.write(`[espalier] ${msg}\n`);

/**
 * The key that seals secrets in the event log. Generated once for a first
 * try and kept in the data directory (losing it makes the sealed tokens
 * unreadable); production sets ESPALIER_SECRET_KEY.
 */
function secretKey(env: NodeJS.ProcessEnv, dataDir: string): string {
  if (env.ESPALIER_SECRET_KEY) return env.ESPALIER_SECRET_KEY;
  const file = path.join(dataDir, 'secret-key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    say(`generated the event-log secret key in ${path.relative(process.cwd(), file) || file}: keep it (set ESPALIER_SECRET_KEY in production)`);
  }
  return readFileSync(file, 'utf8').trim();
}

function hostPort(value: string, name: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(value);
  if (!m) throw new Error(`${name}: expected [host]:port, got "${value}"`);
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
}

async function main(): Promise<number> {
  const loaded = oneProcessEnvironment(process.argv.slice(2), process.env);
  if (!loaded.ok) {
    say(`invalid command line:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}`);
    return 2;
  }
  if (loaded.version) {
    process.stdout.write(`espalier ${VERSION}\n`);
    return 0;
  }
  if (loaded.help) {
    process.stdout.write('Usage: npm start -- [NanoMDM flags]   (every flag of `node --import tsx apps/<service>/src/main.ts -help` is accepted; see the README\'s configuration table)\n');
    return 0;
  }
  const env = loaded.env;
  // Like NanoMDM's -ca: the devices' identity certificates must chain to it, so there is no default.
  if (!env.ESPALIER_CA) {
    say('ESPALIER_CA is not set: point it at the PEM of the CA that issues your devices\' identity certificates (NanoMDM\'s -ca), e.g.');
    say('  ESPALIER_CA=/path/to/scep-ca.pem npm start');
    return 2;
  }
  const dataDir = path.resolve(env.ESPALIER_DATA_DIR ?? path.join(root, 'data'));
  const started = Date.now();
  let running: OneProcess;
  try {
    running = await startOneProcess({
      env: { ...env, ESPALIER_SECRET_KEY: secretKey(env, dataDir) },
      dataDir,
      listen: hostPort(env.ESPALIER_LISTEN ?? ':9000', '-listen (ESPALIER_LISTEN)'),
      ops: env.ESPALIER_OPS_LISTEN === '' ? null : hostPort(env.ESPALIER_OPS_LISTEN ?? '127.0.0.1:9100', 'ESPALIER_OPS_LISTEN'),
      say,
    });
  } catch (error) {
    say(`start-up failed: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  say(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: listening on :${running.port} (data in ${dataDir})`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  say('stopping (each service finishes its batch in flight)…');
  const timeout = setTimeout(() => {
    say('shutdown timed out, exiting');
    process.exit(1);
  }, 30_000).unref();
  await running.stop();
  clearTimeout(timeout);
  return 0;
}

void main().then((code) => process.exit(code));
