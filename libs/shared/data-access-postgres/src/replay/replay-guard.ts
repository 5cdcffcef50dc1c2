import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type { Migration } from '../migrations';
import type { Projection } from '../projection';
import { ident } from '../sql';

/** A replay that must not start (or go on): the message says why and what to do. */
export class ReplayRefused extends Error {
  override readonly name = 'ReplayRefused';
}

/**
 * One replay per projection at a time, across processes and machines: a
 * session advisory lock held on its own connection for the whole replay
 * (released when the replay ends or its process dies).
 */
export async function lockReplay(pool: Pool, projection: Pick<Projection<unknown>, 'name'>): Promise<() => Promise<void>> {
  const client: PoolClient = await pool.connect();
  client.on('error', () => undefined); // a dropped connection releases the lock with it; the replay's next query fails
  const key = `espalier.replay.${projection.name}`;
  try {
    const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key]);
    if (!rows[0].locked) throw new ReplayRefused(`a replay of ${projection.name} is already running (advisory lock "${key}" is held); wait for it to end`);
  } catch (error) {
    client.release();
    throw error;
  }
  return async () => {
    try {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
    } finally {
      client.release();
    }
  };
}

const checksumOf = (m: Migration) => createHash('sha256').update(m.sql('"schema"')).digest('hex');

/** Applied migration id → checksum, or null if the schema has no migration table. */
export async function appliedMigrations(pool: Pool, schema: string): Promise<Map<string, string> | null> {
  const { rows: exists } = await pool.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'schema_migrations'`, [schema]);
  if (exists.length === 0) return null;
  const { rows } = await pool.query<{ id: string; checksum: string }>(`SELECT id, checksum FROM ${ident(schema)}.schema_migrations`);
  return new Map(rows.map((r) => [r.id, r.checksum]));
}

/**
 * The live tables must have been built by this code's migrations: a
 * rebuild by other SQL could never compare equal, and swapping it in would
 * change the schema under the running services.
 */
export async function checkLiveSchema(pool: Pool, projection: Projection<unknown>): Promise<void> {
  const applied = await appliedMigrations(pool, projection.schema);
  if (applied === null) throw new ReplayRefused(`schema ${projection.schema} does not exist: run npm run migrate (or start the service) first`);
  for (const m of projection.migrations) {
    const checksum = applied.get(m.id);
    if (checksum === undefined) throw new ReplayRefused(`schema mismatch: ${projection.schema} lacks migration ${m.id} of ${projection.name}; run npm run migrate first`);
    if (checksum !== checksumOf(m)) throw new ReplayRefused(`schema mismatch: migration ${m.id} in ${projection.schema} differs from this version's; replay with the version that runs the services`);
  }
}

/**
 * A shadow left by an interrupted replay is resumed only if this code built
 * it (same migrations, same text); otherwise the operator decides (--fresh).
 */
export async function checkShadowSchema(pool: Pool, shadow: string, migrations: readonly Migration[], tables: readonly string[]): Promise<'absent' | 'resumable'> {
  const applied = await appliedMigrations(pool, shadow);
  if (applied === null) return 'absent';
  const expected = new Map(migrations.map((m) => [m.id, checksumOf(m)]));
  const same = applied.size === expected.size && [...expected].every(([id, sum]) => applied.get(id) === sum);
  if (!same) throw new ReplayRefused(`schema mismatch: shadow schema ${shadow} was built by other migrations; replay with --fresh to drop it and start over`);
  // A replay that swapped and stopped before dropping its shadow leaves one without tables: nothing to resume.
  const { rows } = await pool.query(`SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = ANY($2)`, [shadow, tables]);
  if (rows.length < tables.length) {
    await pool.query(`DROP SCHEMA ${ident(shadow)} CASCADE`);
    return 'absent';
  }
  return 'resumable';
}
