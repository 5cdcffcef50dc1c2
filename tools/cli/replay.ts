/**
 * espalier replay <projection|service|all> [--verify-only] [--keep-shadow] [--fresh] [--json]
 *
 * Rebuilds projections from offset 0 into shadow schemas while the services
 * keep serving, checks each equals its live tables at the same offsets and
 * swaps it in. Interrupted (Ctrl-C, a crash), it resumes from the shadow's
 * checkpoints on the next run. Exit codes: 0 done, 3 a projection differed
 * (nothing swapped), 2 refused (unknown name, schema mismatch, a replay of
 * it already running, interrupted), 1 other errors.
 */
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { PgEventLog } from '@espalier/shared/data-access-pglog';
import { createPool, replayProjection, ReplayRefused, type Projection, type ReplayReport } from '@espalier/shared/data-access-postgres';
import { splitArgs, toolConfig, toolLogger } from './cli-support';
import { progressPrinter } from './replay-progress-bar';
import { serviceSchemas } from './service-schemas';

const FLAGS = ['--verify-only', '--keep-shadow', '--fresh', '--json'] as const;

/** The projections a target names: one by name, a service's, or every one. */
export function projectionsFor(target: string | undefined): Projection<unknown>[] {
  const all = Object.values(serviceSchemas).flatMap((s) => s.projections);
  if (target === 'all') return all;
  const service = target === undefined ? undefined : serviceSchemas[target];
  if (service && service.projections.length === 0) throw new ReplayRefused(`service "${target}" has no projections to replay (its tables are not projections of the log)`);
  if (service) return [...service.projections];
  const one = all.find((p) => p.name === target);
  if (one) return [one];
  const known = `projections: ${all.map((p) => p.name).join(', ')}; services: ${Object.keys(serviceSchemas).join(', ')}; or all`;
  throw new ReplayRefused(`${target ? `unknown projection or service "${target}"` : 'name a projection, a service or all'} (${known})`);
}

function summary(r: ReplayReport): string {
  const rows = r.tables.map((t) => `${t.table} ${t.liveRows}/${t.shadowRows}${t.equal ? '' : ` DIFFERENT (${t.onlyInLive} only live, ${t.onlyInShadow} only rebuilt)`}`).join(', ');
  const verdict = r.swapped ? 'equal, swapped' : r.equal ? 'equal, not swapped (--verify-only)' : 'DIFFERENT, not swapped';
  return `${r.projection}: ${verdict}; ${r.eventsPerSecond.toLocaleString('en-US')} events/s, live writers paused ${r.livePausedMs} ms${r.resumed ? ', resumed' : ''}; rows live/rebuilt: ${rows}\n`;
}

export async function runReplay(argv: string[]): Promise<number> {
  const { positional, options } = splitArgs(argv);
  const has = (flag: (typeof FLAGS)[number]) => options.includes(flag);
  let projections: Projection<unknown>[];
  try {
    projections = projectionsFor(positional[0]);
  } catch (error) {
    process.stderr.write(`replay refused: ${(error as Error).message}\n`);
    return 2;
  }
  const config = toolConfig(options.filter((o) => !(FLAGS as readonly string[]).includes(o)));
  const pool = createPool({ connectionString: config.databaseUrl, applicationName: 'espalier-replay', max: 8 });
  // Without brokers the log is the one kept in PostgreSQL (as the services do).
  const log = config.kafkaBrokers
    ? new KafkaEventLog({ brokers: config.kafkaBrokers, clientId: 'espalier-replay', logger: toolLogger })
    : new PgEventLog({ connectionString: config.databaseUrl, applicationName: 'espalier-replay-log', logger: toolLogger });
  const abort = new AbortController();
  const interrupt = () => abort.abort();
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const reports: ReplayReport[] = [];
  try {
    await log.connect();
    for (const projection of projections) {
      const bar = progressPrinter();
      try {
        const report = await replayProjection(projection, { pool, log, logger: toolLogger }, {
          maxAttempts: config.consumerMaxAttempts, swap: !has('--verify-only'), keepShadow: has('--keep-shadow'), fresh: has('--fresh'),
          onProgress: (p) => bar.update(p), signal: abort.signal,
        });
        reports.push(report);
        bar.end();
        if (!has('--json')) process.stdout.write(summary(report));
        if (!report.equal) break;
      } finally {
        bar.end();
      }
    }
    if (has('--json')) process.stdout.write(JSON.stringify(reports, null, 2) + '\n');
    return reports.every((r) => r.equal) ? 0 : 3;
  } catch (error) {
    if (error instanceof ReplayRefused) {
      process.stderr.write(`replay refused: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`replaying: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
    await log.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

if (require.main === module) {
  void runReplay(process.argv.slice(2)).then((code) => process.exit(code));
}
