import { execFileSync } from 'node:child_process';
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
 * True when the broker under test is the one the project's infra script runs
 * here, so a test may stop and restart it.
 */
export function localBrokerControllable(): boolean {
  const port = process.env.ESPALIER_INFRA_KAFKA_PORT ?? '19092';
  if (process.env.KAFKA_BROKERS !== `127.0.0.1:${port}`) return false;
  try {
    const out = execFileSync('bash', [path.join(repoRoot, 'scripts/infra.sh'), 'status'], { encoding: 'utf8' });
    return /kafka.*running/i.test(out);
  } catch {
    return false;
  }
}

export function restartLocalBroker(): void {
  execFileSync('bash', [path.join(repoRoot, 'scripts/infra.sh'), 'kafka-restart'], { stdio: 'inherit' });
}
