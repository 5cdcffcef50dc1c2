/**
 * A consumer group member as its own process, so a test can SIGKILL it.
 * Env: DATABASE_URL, PGLOG_SCHEMA (the log's), PGLOG_TOPIC, PGLOG_GROUP,
 * PGLOG_SEEN (a table "schema.table" where each handled record is written
 * with this member's name). Prints "ready" once it owns its first partitions.
 */
import { Pool } from 'pg';
import { PgEventLog } from '../pg-event-log';

const quiet = { debug: () => undefined, warn: () => undefined, error: (o: object, m: string) => console.error(m, o) };

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`member process: ${name} is required`);
  return v;
}

async function main(): Promise<void> {
  const pool = new Pool({ connectionString: env('DATABASE_URL'), max: 2 });
  const log = new PgEventLog({ connectionString: env('DATABASE_URL'), schema: env('PGLOG_SCHEMA'), logger: quiet, consumer: { ownershipCheckMs: 200 }, poll: { minMs: 10, maxMs: 50 } });
  const consumer = log.subscribe({
    groupId: env('PGLOG_GROUP'),
    topics: [env('PGLOG_TOPIC')],
    fromBeginning: true,
    handleBatch: async (batch) => {
      await pool.query(`INSERT INTO ${env('PGLOG_SEEN')} (member, partition, "offset") SELECT 'child', $1, unnest($2::bigint[])`, [
        batch.partition,
        batch.records.map((r) => r.offset),
      ]);
    },
  });
  await consumer.start();
  process.stdout.write('ready\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
