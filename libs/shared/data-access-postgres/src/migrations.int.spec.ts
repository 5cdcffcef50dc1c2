import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { testInfra, uniqueName } from '@espalier/shared/util-testing';
import { runMigrations, type Migration } from './migrations';
import { createPool } from './pool';
import { ident } from './sql';

const create: Migration = { id: '0001-things', sql: (s) => `CREATE TABLE ${s}.things (id text PRIMARY KEY)` };
const addColumn: Migration = { id: '0002-things-name', sql: (s) => `ALTER TABLE ${s}.things ADD COLUMN name text` };

describe('runMigrations against PostgreSQL', () => {
  let pool: Pool;
  const schemas: string[] = [];
  const fresh = () => {
    const s = uniqueName('mig');
    schemas.push(s);
    return s;
  };
  before(() => {
    pool = createPool({ connectionString: testInfra().databaseUrl, applicationName: 'migrations-test', max: 5 });
  });
  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`);
    await pool.end();
  });

  it('applies pending migrations in order, then nothing on the next run', async () => {
    const schema = fresh();
    const first = await runMigrations(pool, schema, [addColumn, create]);
    assert.deepEqual(first.applied, ['0001-things', '0002-things-name']);
    const second = await runMigrations(pool, schema, [create, addColumn]);
    assert.deepEqual(second.applied, []);
    assert.deepEqual(second.alreadyApplied, ['0001-things', '0002-things-name']);
    await pool.query(`INSERT INTO ${ident(schema)}.things (id, name) VALUES ('a', 'b')`);
  });

  it('applies each migration once when replicas start together', async () => {
    const schema = fresh();
    const reports = await Promise.all([1, 2, 3].map(() => runMigrations(pool, schema, [create, addColumn])));
    assert.equal(reports.filter((r) => r.applied.length === 2).length, 1);
    assert.equal(reports.filter((r) => r.alreadyApplied.length === 2).length, 2);
  });

  it('refuses a migration whose text changed after it was applied', async () => {
    const schema = fresh();
    await runMigrations(pool, schema, [create]);
    const edited: Migration = { id: '0001-things', sql: (s) => `CREATE TABLE ${s}.things (id bigint PRIMARY KEY)` };
    await assert.rejects(runMigrations(pool, schema, [edited]), /migration 0001-things changed after it was applied/);
  });

  it('leaves nothing half-applied when a migration fails', async () => {
    const schema = fresh();
    const broken: Migration = { id: '0003-broken', sql: (s) => `ALTER TABLE ${s}.nope ADD COLUMN x int` };
    await assert.rejects(runMigrations(pool, schema, [create, addColumn, broken]), /nope/);
    const { rows } = await pool.query(`SELECT to_regclass($1) AS t`, [`${schema}.things`]);
    assert.equal(rows[0].t, null, 'the whole run rolled back');
    const retry = await runMigrations(pool, schema, [create, addColumn]);
    assert.deepEqual(retry.applied, ['0001-things', '0002-things-name']);
  });
});
