import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Pool } from 'pg';
import { SERVICES } from '@espalier/contracts/routing';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createTestCa, freePort, repoRoot, testInfra } from '@espalier/shared/util-testing';
import { BUILT_SERVICES, buildServices, builtEntry, SERVICE_NODE_OPTIONS } from '../../tools/build/service-build';
import { startService, waitForStatus, type ServiceProcess } from './service-process';

/** After SIGTERM: each exited cleanly and said so. */
async function expectCleanExits(services: readonly ServiceProcess[]): Promise<void> {
  for (const svc of services) {
    const exit = await svc.exited;
    assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', `clean exit, got ${JSON.stringify(exit)}`);
    assert.match(svc.output(), /"msg":"shut down cleanly"/);
  }
}

describe('the four services as processes', () => {
  const infra = testInfra();
  const env = { KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl };
  const caPath = path.join(mkdtempSync(path.join(tmpdir(), 'espalier-ca-')), 'ca.pem');
  writeFileSync(caPath, createTestCa().rootPem);
  /** What each service needs beyond the broker and the database. */
  const own: Record<string, Record<string, string>> = {
    checkin: { ESPALIER_CA: caPath, ESPALIER_SECRET_KEY: randomBytes(32).toString('base64') },
    commands: { ESPALIER_CA: caPath },
    push: { ESPALIER_SECRET_KEY: randomBytes(32).toString('base64') },
  };

  it('start, migrate their own schema, answer /healthz and /readyz, and stop cleanly on SIGTERM', async () => {
    const services = await Promise.all(SERVICES.map((s) => startService(s, { ...env, ...own[s] })));
    try {
      for (const [i, svc] of services.entries()) {
        const ready = await waitForStatus(svc, '/readyz', 200);
        const body = (await ready.json()) as { service: string; checks: Record<string, { ok: boolean }> };
        assert.equal(body.service, SERVICES[i]);
        assert.deepEqual(Object.values(body.checks).map((c) => c.ok), [true, true, true]);
        const live = await fetch(svc.url + '/healthz');
        assert.equal(live.status, 200);
        assert.equal(((await live.json()) as { service: string }).service, SERVICES[i]);
      }
      const pool = new Pool({ connectionString: infra.databaseUrl });
      try {
        const { rows } = await pool.query(`SELECT table_schema FROM information_schema.tables WHERE table_name = 'projection_checkpoints' AND table_schema = ANY($1)`, [[...SERVICES]]);
        assert.deepEqual(rows.map((r) => r.table_schema).sort(), [...SERVICES].sort(), 'each service owns its schema');
      } finally {
        await pool.end();
      }
    } finally {
      for (const svc of services) svc.child.kill('SIGTERM');
    }
    await expectCleanExits(services);
  });

  it('run as the image runs them (the bundles of `npm run build`, SERVICE_NODE_OPTIONS): ready, and stop cleanly', async () => {
    const outputs = await buildServices(repoRoot);
    assert.deepEqual(outputs.map((f) => path.relative(repoRoot, f)), BUILT_SERVICES.map((s) => `dist/apps/${s}/main.js`));
    const services = await Promise.all(SERVICES.map((s) => startService(s, { ...env, ...own[s] }, [], { built: true })));
    try {
      for (const [i, svc] of services.entries()) {
        const ready = await waitForStatus(svc, '/readyz', 200);
        assert.equal(((await ready.json()) as { service: string }).service, SERVICES[i]);
        assert.deepEqual(svc.child.spawnargs.slice(1), [...SERVICE_NODE_OPTIONS, builtEntry(repoRoot, SERVICES[i])]);
      }
    } finally {
      for (const svc of services) svc.child.kill('SIGTERM');
    }
    await expectCleanExits(services);
  });

  it('refuses invalid configuration at start-up with exit code 2 and a message naming the setting', async () => {
    const svc = await startService('push', { ...env, ESPALIER_LISTEN: 'not-an-address' });
    const exit = await svc.exited;
    assert.equal(exit.code, 2);
    assert.match(svc.output(), /-listen/);
    assert.match(svc.output(), /ESPALIER_LISTEN/);
  });

  it('without a broker address keeps the event log in PostgreSQL; without a database refuses to start', async () => {
    const svc = await startService('push', { KAFKA_BROKERS: '', DATABASE_URL: infra.databaseUrl, ...own.push });
    try {
      await waitForStatus(svc, '/readyz', 200);
      const pool = new Pool({ connectionString: infra.databaseUrl });
      try {
        const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM eventlog.topics WHERE topic LIKE 'mdm.%'`);
        assert.ok(rows[0].n > 0, 'the log\'s topics were provisioned in the database');
      } finally {
        await pool.end();
      }
    } finally {
      svc.child.kill('SIGTERM');
    }
    await svc.exited;
    assert.match(svc.output(), /"msg":"shut down cleanly"/);
    const noDb = await startService('push', { KAFKA_BROKERS: '', DATABASE_URL: '', ...own.push });
    assert.equal((await noDb.exited).code, 2);
    assert.match(noDb.output(), /DATABASE_URL \(-database-url\) is required/);
  });

  it('refuses to start checkin without -ca or without -secret-key, saying which', async () => {
    const noCa = await startService('checkin', { ...env, ESPALIER_SECRET_KEY: own.checkin.ESPALIER_SECRET_KEY });
    assert.equal((await noCa.exited).code, 1);
    assert.match(noCa.output(), /must supply the CA certificate path \(-ca \/ ESPALIER_CA\)/);
    const noKey = await startService('checkin', { ...env, ESPALIER_CA: caPath });
    assert.equal((await noKey.exited).code, 1);
    assert.match(noKey.output(), /needs -secret-key \(ESPALIER_SECRET_KEY\)/);
  });

  it('refuses to start commands without -ca: reports are authenticated like check-ins', async () => {
    const noCa = await startService('commands', env);
    assert.equal((await noCa.exited).code, 1);
    assert.match(noCa.output(), /commands: must supply the CA certificate path \(-ca \/ ESPALIER_CA\)/);
  });

  it('refuses to start push without -secret-key: push keys are sealed in the log', async () => {
    const noKey = await startService('push', env);
    assert.equal((await noKey.exited).code, 1);
    assert.match(noKey.output(), /push: needs -secret-key \(ESPALIER_SECRET_KEY\)/);
  });

  it('fails start-up with a clear error when the database is down', async () => {
    const closed = await freePort();
    const svc = await startService('api', { ...env, DATABASE_URL: `postgres://espalier:espalier@127.0.0.1:${closed}/espalier` });
    const exit = await svc.exited;
    assert.equal(exit.code, 1);
    assert.match(svc.output(), /start-up failed/);
    assert.match(svc.output(), /ECONNREFUSED/);
  });
});
