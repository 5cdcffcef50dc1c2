/**
 * npm run migrate [-- <service>…]: brings service schemas up to date (all
 * when none named). Idempotent; the services also do it at start-up.
 */
import { createPool, migrateService } from '@espalier/shared/data-access-postgres';
import { splitArgs, toolConfig } from './cli-support';
import { serviceSchemas } from './service-schemas';

async function main(): Promise<void> {
  const { positional, options } = splitArgs(process.argv.slice(2));
  const config = toolConfig(options);
  const names = positional.length > 0 ? positional : Object.keys(serviceSchemas);
  const unknown = names.filter((n) => !serviceSchemas[n]);
  if (unknown.length > 0) throw new Error(`unknown service ${unknown.join(', ')} (known: ${Object.keys(serviceSchemas).join(', ')})`);
  const pool = createPool({ connectionString: config.databaseUrl, applicationName: 'espalier-migrate', max: 1 });
  try {
    for (const name of names) {
      const report = await migrateService(pool, serviceSchemas[name]);
      process.stdout.write(`${name}: applied ${report.applied.length} (${report.applied.join(', ') || 'none'}), already applied ${report.alreadyApplied.length}\n`);
    }
  } finally {
    await pool.end();
  }
}

main().catch((error) => {
  process.stderr.write(`migrating: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
