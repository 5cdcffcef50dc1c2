/**
 * npm run replay -- <projection> [--keep-shadow]: rebuilds a projection from
 * offset 0 into a shadow schema and checks it equals the live tables at the
 * same offsets. Exit 0 when equal, 3 when they differ.
 */
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { createPool, replayProjection } from '@espalier/shared/data-access-postgres';
import { splitArgs, toolConfig, toolLogger } from './cli-support';
import { serviceSchemas } from './service-schemas';

async function main(): Promise<number> {
  const { positional, options } = splitArgs(process.argv.slice(2));
  const keepShadow = options.includes('--keep-shadow');
  const config = toolConfig(options.filter((o) => o !== '--keep-shadow'));
  const projections = Object.values(serviceSchemas).flatMap((s) => s.projections);
  const name = positional[0];
  const projection = projections.find((p) => p.name === name);
  if (!projection) {
    const known = projections.map((p) => p.name).join(', ') || 'none yet';
    throw new Error(`${name ? `unknown projection "${name}"` : 'name a projection'} (known: ${known})`);
  }
  const pool = createPool({ connectionString: config.databaseUrl, applicationName: 'espalier-replay', max: 4 });
  const log = new KafkaEventLog({ brokers: config.kafkaBrokers, clientId: 'espalier-replay', logger: toolLogger });
  await log.connect();
  try {
    const report = await replayProjection(projection, { pool, log, logger: toolLogger }, { maxAttempts: config.consumerMaxAttempts, keepShadow });
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
    return report.equal ? 0 : 3;
  } finally {
    await log.close();
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`replaying: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
