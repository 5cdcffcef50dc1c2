import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { provideInfra } from './provide-infra';

/**
 * The README's test command: static checks (type-check, lint incl. module
 * boundaries), then every spec against a real Kafka and PostgreSQL.
 *   --unit       only unit specs (no *.int.spec.ts / *.e2e.spec.ts, no infra)
 *   --no-static  skip type-check and lint
 *   [filter…]    only spec files whose path contains one of the filters
 */
const root = path.resolve(__dirname, '../..');
const args = process.argv.slice(2);
const unitOnly = args.includes('--unit');
const skipStatic = args.includes('--no-static');
const filters = args.filter((a) => !a.startsWith('--'));
const log = (msg: string) => process.stderr.write(`[test] ${msg}\n`);

function specFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.') || name === 'dist') continue;
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...specFiles(full));
    else if (name.endsWith('.spec.ts')) out.push(path.relative(root, full));
  }
  return out;
}

function run(cmd: string, cmdArgs: string[], env: NodeJS.ProcessEnv = process.env): number {
  const started = Date.now();
  const result = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit', env });
  log(`${cmd} ${cmdArgs.slice(0, 3).join(' ')}… exited ${result.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.status ?? 1;
}

async function main(): Promise<number> {
  if (!skipStatic && filters.length === 0) {
    if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) return 1;
    if (run('npx', ['nx', 'run-many', '-t', 'lint', '--outputStyle=static', '--skip-nx-cache'], { ...process.env, NX_DAEMON: 'false' }) !== 0) return 1;
  }
  let files = ['apps', 'libs', 'test', 'tools'].flatMap((d) => specFiles(path.join(root, d))).sort();
  if (unitOnly) files = files.filter((f) => !/\.(int|e2e)\.spec\.ts$/.test(f));
  if (filters.length > 0) files = files.filter((f) => filters.some((x) => f.includes(x)));
  if (files.length === 0) {
    log('no spec files matched');
    return 1;
  }
  const needsInfra = files.some((f) => /\.(int|e2e)\.spec\.ts$/.test(f));
  const infra = needsInfra ? await provideInfra(log) : null;
  if (infra) log(`Kafka ${infra.env.KAFKA_BROKERS}, PostgreSQL ${infra.env.DATABASE_URL.replace(/:[^:@/]*@/, ':***@')} (${infra.source})`);
  try {
    return run(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=600000', ...files], { ...process.env, ...infra?.env });
  } finally {
    await infra?.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
