import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';

export interface TestInfra {
  readonly kafkaBrokers: string[];
  readonly databaseUrl: string;
}

/**
 * The real broker and database an integration test runs against. They come
 * from KAFKA_BROKERS / DATABASE_URL, which the test runner sets (from the
 * environment, testcontainers, or the project's own infra scripts). A test
 * never falls back to a fake: without them it fails loudly.
 */
export function testInfra(): TestInfra {
  const brokers = process.env.KAFKA_BROKERS;
  const databaseUrl = process.env.DATABASE_URL;
  if (!brokers || !databaseUrl) {
    throw new Error(
      'integration tests need a real Kafka and PostgreSQL: run them through `npm test` (which starts them), or set KAFKA_BROKERS and DATABASE_URL',
    );
  }
  return { kafkaBrokers: brokers.split(',').map((b) => b.trim()), databaseUrl };
}

/** A name no other test run uses: tests share one broker and one database. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

export const repoRoot = path.resolve(__dirname, '../../../..');

/**
 * Which of the servers under test are the ones scripts/infra.sh runs here,
 * so that an outage test may stop and restart them. Others (a CI service,
 * containers) are never touched.
 */
export function localInfraControls(): { kafka: boolean; postgres: boolean } {
  const kafkaPort = process.env.ESPALIER_INFRA_KAFKA_PORT ?? '19092';
  const pgPort = process.env.ESPALIER_INFRA_PG_PORT ?? '15432';
  let status = '';
  try {
    status = execFileSync('bash', [path.join(repoRoot, 'scripts/infra.sh'), 'status'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return { kafka: false, postgres: false };
  }
  return {
    kafka: process.env.KAFKA_BROKERS === `127.0.0.1:${kafkaPort}` && /kafka: running/.test(status),
    postgres: new RegExp(`@127\\.0\\.0\\.1:${pgPort}/`).test(process.env.DATABASE_URL ?? '') && /postgres: running/.test(status),
  };
}

/** Runs a scripts/infra.sh command (e.g. kafka-restart, postgres-stop) without blocking the event loop. */
export function infraCommand(command: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, 'scripts/infra.sh'), command], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`scripts/infra.sh ${command} exited ${code}`))));
  });
}
