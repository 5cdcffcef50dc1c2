import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Starts (or finds running) the project's own Kafka and PostgreSQL with
 * scripts/infra.sh and returns the KAFKA_BROKERS / DATABASE_URL it printed.
 * Progress goes to this process's stderr.
 */
export function localInfraUp(): { KAFKA_BROKERS: string; DATABASE_URL: string } {
  const script = path.resolve(__dirname, '../scripts/infra.sh');
  const out = execFileSync('bash', [script, 'up'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const env: Record<string, string> = {};
  for (const m of out.matchAll(/^export (KAFKA_BROKERS|DATABASE_URL)=(.*)$/gm)) env[m[1]] = m[2].replace(/^['"]|['"]$/g, '');
  if (!env.KAFKA_BROKERS || !env.DATABASE_URL) throw new Error('scripts/infra.sh up did not print KAFKA_BROKERS and DATABASE_URL');
  return { KAFKA_BROKERS: env.KAFKA_BROKERS, DATABASE_URL: env.DATABASE_URL };
}
