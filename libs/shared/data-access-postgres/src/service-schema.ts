import type { Pool } from 'pg';
import { checkpointsMigration } from './checkpoints';
import { runMigrations, type Migration, type MigrationReport } from './migrations';
import type { Projection } from './projection';

/** What a service owns in PostgreSQL: one schema, its own migrations and its projections' tables. */
export interface ServiceSchema {
  readonly schema: string;
  readonly migrations: readonly Migration[];
  readonly projections: readonly Projection<unknown>[];
}

/** Brings a service schema up to date: framework tables, then the service's and its projections' migrations. */
export function migrateService(pool: Pool, owned: ServiceSchema): Promise<MigrationReport> {
  const projectionMigrations = owned.projections.flatMap((p) => p.migrations);
  return runMigrations(pool, owned.schema, [checkpointsMigration, ...owned.migrations, ...projectionMigrations]);
}
