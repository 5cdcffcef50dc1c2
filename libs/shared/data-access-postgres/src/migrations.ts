import { createHash } from 'node:crypto';
import type { Pool } from 'pg';
import { ident, withTransaction } from './sql';

/** A schema change. `sql` receives the (quoted) schema so one migration can build live and shadow schemas alike. */
export interface Migration {
  readonly id: string;
  sql(schema: string): string;
}

export interface MigrationReport {
  readonly schema: string;
  readonly applied: string[];
  readonly alreadyApplied: string[];
}

/**
 * Applies pending migrations to one schema, in id order, in one transaction
 * under an advisory lock, so replicas starting together apply each once.
 * An applied migration whose text changed is an error: migrations are
 * append-only, a changed one would leave replicas with different schemas.
 */
export async function runMigrations(pool: Pool, schema: string, migrations: readonly Migration[]): Promise<MigrationReport> {
  const s = ident(schema);
  const ordered = [...migrations].sort((a, b) => a.id.localeCompare(b.id));
  return withTransaction(pool, async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`espalier.migrations.${schema}`]);
    await tx.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (id text PRIMARY KEY, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await tx.query<{ id: string; checksum: string }>(`SELECT id, checksum FROM ${s}.schema_migrations`);
    const done = new Map(rows.map((r) => [r.id, r.checksum]));
    const applied: string[] = [];
    const alreadyApplied: string[] = [];
    for (const m of ordered) {
      const text = m.sql(s);
      const checksum = createHash('sha256').update(m.sql('"schema"')).digest('hex');
      const previous = done.get(m.id);
      if (previous !== undefined) {
        if (previous !== checksum) throw new Error(`migrating ${schema}: migration ${m.id} changed after it was applied`);
        alreadyApplied.push(m.id);
        continue;
      }
      await tx.query(text);
      await tx.query(`INSERT INTO ${s}.schema_migrations (id, checksum) VALUES ($1, $2)`, [m.id, checksum]);
      applied.push(m.id);
    }
    return { schema, applied, alreadyApplied };
  });
}
