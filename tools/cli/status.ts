/**
 * npm run status [-- --json]: every consumer group the log knows whose ID
 * starts with "espalier." with its lag per topic and partition (log end minus
 * committed offset) and a total, then every projection of every service with
 * its PostgreSQL checkpoints per partition and their lag against the log end.
 * The log is Kafka, or without -kafka-brokers the one services keep in
 * PostgreSQL. A projection's checkpoint is its true position; its group's
 * committed offset follows it. Exit 0; 1 when the log or PostgreSQL cannot
 * be read (the message says which); 2 for invalid configuration.
 */
import { createPool, type ServiceSchema } from '@espalier/shared/data-access-postgres';
import { loadConfig } from '@espalier/shared/util-config';
import { serviceSchemas } from './service-schemas';
import { kafkaSource, postgresSource } from './status-log-source';
import { formatStatus } from './status-format';
import { groupStatuses, projectionStatuses, TopicEnds, type StatusReport } from './status-report';

export interface StatusOutput {
  write(text: string, done: (error?: Error | null) => void): unknown;
}

export interface StatusDeps {
  readonly out: StatusOutput;
  readonly err: StatusOutput;
  readonly env: NodeJS.ProcessEnv;
  readonly schemas: Readonly<Record<string, ServiceSchema>>;
}

const USAGE = 'usage: espalier status [--json] [-kafka-brokers host:port,…] [-database-url postgres://…]   (without -kafka-brokers: the log kept in PostgreSQL)\n';

export async function runStatus(argv: string[], deps: Partial<StatusDeps> = {}): Promise<number> {
  const { out, err, env, schemas } = { out: process.stdout, err: process.stderr, env: process.env, schemas: serviceSchemas, ...deps };
  const json = argv.includes('--json');
  const loaded = loadConfig({ argv: argv.filter((a) => a !== '--json'), env, service: 'api' });
  if (loaded.ok === 'help') return (await print(out, USAGE), 0);
  if (loaded.ok !== true) {
    await print(err, `status: invalid configuration:\n${loaded.ok === false ? loaded.errors.map((e) => `  - ${e}\n`).join('') : '  -version is not an option here\n'}`);
    return 2;
  }
  const { kafkaBrokers, databaseUrl } = loaded.config;
  const log = kafkaBrokers ? kafkaSource(kafkaBrokers) : postgresSource(databaseUrl, where(databaseUrl));
  const pool = createPool({ connectionString: databaseUrl, applicationName: 'espalier-status', max: 2 });
  try {
    const [logUp, pgUp] = await Promise.allSettled([log.connect(), pool.query('SELECT 1')]);
    // A PostgreSQL that is down is said once, not again for the log kept in it.
    const down = [
      logUp.status === 'rejected' && (kafkaBrokers || pgUp.status === 'fulfilled') ? `cannot reach ${log.where}: ${messageOf(logUp.reason)}` : null,
      pgUp.status === 'rejected' ? `cannot reach PostgreSQL at ${where(databaseUrl)} (-database-url / DATABASE_URL): ${messageOf(pgUp.reason)}` : null,
    ].filter((m) => m !== null);
    if (down.length > 0) {
      await print(err, down.map((m) => `status: ${m}\n`).join(''));
      return 1;
    }
    const ends = new TopicEnds(log);
    const report: StatusReport = { groups: await groupStatuses(log, ends), projections: await projectionStatuses(pool, schemas, ends) };
    await print(out, json ? JSON.stringify(report, null, 2) + '\n' : formatStatus(report));
    return 0;
  } catch (error) {
    await print(err, `status: ${messageOf(error)}\n`);
    return 1;
  } finally {
    await log.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
  }
}

/** Resolves once the text was handed to the OS: a caller may process.exit() right after (a pipe would lose the rest). */
function print(stream: StatusOutput, text: string): Promise<void> {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

/** host:port/database, never the credentials. */
function where(url: string): string {
  try {
    const u = new URL(url);
    return `${u.host}${u.pathname}`;
  } catch {
    return 'the configured URL';
  }
}

function messageOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return messageOf(error.errors[0]);
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error && !error.message.includes(cause.message) ? `${error.message}: ${cause.message}` : error.message;
}

if (require.main === module) {
  void runStatus(process.argv.slice(2)).then((code) => process.exit(code));
}
