import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { PgEventLog } from '@espalier/shared/data-access-pglog';
import { Pool } from 'pg';
import { freePort, recordingLogger, repoRoot, testInfra, uniqueName } from '@espalier/shared/util-testing';
import type { StatusReport } from './status-report';
import { serviceSchemas } from './service-schemas';

/** `npm run status` as an operator runs it: its own process, output through a pipe. */
function status(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'tools/cli/status.ts'), ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('espalier status against the real broker and database', () => {
  const infra = testInfra();
  const env = { KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl };
  const topic = uniqueName('t').toLowerCase() + '.status';
  const group = `espalier.test.status.${uniqueName('g')}`;
  let admin: Admin;

  before(async () => {
    // A group at a known position: 10 records, committed offset 4, so lag 6.
    const log = new KafkaEventLog({ brokers: infra.kafkaBrokers, clientId: 'espalier-test', logger: recordingLogger() });
    await log.connect();
    try {
      await log.provisionTopics([{ topic, partitions: 1 }]);
      await log.appender.append(Array.from({ length: 10 }, (_, n) => ({ topic, key: 'k', value: Buffer.from(String(n)), headers: {} })));
    } finally {
      await log.close();
    }
    admin = new Kafka({ brokers: infra.kafkaBrokers, clientId: 'espalier-test', logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    await admin.setOffsets({ groupId: group, topic, partitions: [{ partition: 0, offset: '4' }] });
  });
  after(async () => {
    await admin.deleteGroups([group]).catch(() => undefined);
    await admin.disconnect();
  });

  it('--json: each espalier group with its lag per partition and in total, each projection with its checkpoints against the log end', async () => {
    const run = await status(['--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as StatusReport; // whole, though far larger than a pipe's buffer
    const mine = report.groups.find((g) => g.groupId === group);
    assert.deepEqual(mine, { groupId: group, state: 'Empty', members: 0, totalLag: 6, partitions: [{ topic, partition: 0, committed: '4', end: '10', lag: 6 }] });
    assert.ok(report.groups.every((g) => g.groupId.startsWith('espalier.')), 'only espalier groups');
    const expected = Object.entries(serviceSchemas).flatMap(([service, s]) => s.projections.map((p) => `${service}/${p.name}`));
    assert.deepEqual(report.projections.map((p) => `${p.service}/${p.projection}`), expected);
    for (const p of report.projections.filter((x) => x.migrated)) {
      assert.equal(p.group, `espalier.projection.${p.projection}`);
      assert.ok(p.partitions.length > 0, `${p.projection}: one row per partition of its topics`);
      for (const row of p.partitions) {
        const next = BigInt(row.checkpoint ?? '-1') + 1n;
        assert.equal(BigInt(row.lag ?? -1), BigInt(row.end ?? '0') - next, `${p.projection} ${row.topic}/${row.partition}: lag = end - (checkpoint + 1)`);
      }
      assert.equal(p.totalLag, p.partitions.reduce((sum, r) => sum + (r.lag ?? 0), 0));
    }
  });

  it('prints a table for people by default', async () => {
    const run = await status([], env);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^${group.replaceAll('.', '\\.')}  Empty, 0 members, lag 6$`, 'm'));
    assert.match(run.stdout, new RegExp(`^  ${topic.replaceAll('.', '\\.')} +0 +4 +10 +6$`, 'm'));
    assert.match(run.stdout, /^Projections: \d+; checkpoints from PostgreSQL/m);
  });

  it('says which server it cannot reach, without the database password, and exits 1', async () => {
    const [kafkaPort, pgPort] = [await freePort(), await freePort()];
    const noKafka = await status(['--json'], { ...env, KAFKA_BROKERS: `127.0.0.1:${kafkaPort}` });
    assert.equal(noKafka.code, 1);
    assert.equal(noKafka.stdout, '');
    assert.match(noKafka.stderr, new RegExp(`^status: cannot reach Kafka at 127\\.0\\.0\\.1:${kafkaPort} \\(-kafka-brokers / KAFKA_BROKERS\\): .*ECONNREFUSED`, 'm'));
    assert.doesNotMatch(noKafka.stderr, /PostgreSQL/);

    const noDatabase = await status([], { ...env, DATABASE_URL: `postgres://espalier:hunter2@127.0.0.1:${pgPort}/espalier` });
    assert.equal(noDatabase.code, 1);
    assert.match(noDatabase.stderr, new RegExp(`^status: cannot reach PostgreSQL at 127\\.0\\.0\\.1:${pgPort}/espalier \\(-database-url / DATABASE_URL\\): .*ECONNREFUSED`, 'm'));
    assert.doesNotMatch(noDatabase.stderr, /hunter2|Kafka/);

    const neither = await status([], { KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`, DATABASE_URL: `postgres://espalier@127.0.0.1:${pgPort}/espalier` });
    assert.equal(neither.code, 1);
    assert.match(neither.stderr, /cannot reach Kafka[^\n]*\n[^\n]*cannot reach PostgreSQL/);
  });

  it('refuses invalid configuration with exit code 2', async () => {
    const run = await status(['--bogus'], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^status: invalid configuration:\n {2}- unknown flag: -bogus$/m);
  });
});

describe('espalier status on the event log kept in PostgreSQL (no -kafka-brokers)', () => {
  const infra = testInfra();
  const env = { KAFKA_BROKERS: '', DATABASE_URL: infra.databaseUrl };
  const topic = uniqueName('t').toLowerCase() + '.pgstatus';
  const group = `espalier.test.pgstatus.${uniqueName('g')}`;

  before(async () => {
    // The log services keep without brokers (schema eventlog); a group at offset 4 of 10 records: lag 6.
    const log = new PgEventLog({ connectionString: infra.databaseUrl, logger: recordingLogger(), poolSize: 2 });
    await log.connect();
    try {
      await log.provisionTopics([{ topic, partitions: 1 }]);
      await log.appender.append(Array.from({ length: 10 }, (_, n) => ({ topic, key: 'k', value: Buffer.from(String(n)), headers: {} })));
    } finally {
      await log.close();
    }
    const pool = new Pool({ connectionString: infra.databaseUrl, max: 1 });
    await pool.query(`INSERT INTO eventlog.committed_offsets (group_id, topic, partition, "offset") VALUES ($1, $2, 0, 4)`, [group, topic]);
    await pool.end();
  });

  it('--json: the group with its lag, read from the tables', async () => {
    const run = await status(['--json'], env);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as StatusReport;
    assert.deepEqual(
      report.groups.find((g) => g.groupId === group),
      { groupId: group, state: 'Empty', members: 0, totalLag: 6, partitions: [{ topic, partition: 0, committed: '4', end: '10', lag: 6 }] },
    );
  });

  it('says so, and exits 1, when the database holds no event log (and creates none)', async () => {
    const pool = new Pool({ connectionString: infra.databaseUrl, max: 1 });
    const scratch = uniqueName('statusdb').toLowerCase();
    await pool.query(`CREATE DATABASE ${scratch}`);
    try {
      const url = new URL(infra.databaseUrl);
      url.pathname = `/${scratch}`;
      const run = await status([], { KAFKA_BROKERS: '', DATABASE_URL: url.toString() });
      assert.equal(run.code, 1);
      assert.match(run.stderr, /^status: cannot reach the event log in PostgreSQL at .*schema eventlog does not exist/m);
      const other = new Pool({ connectionString: url.toString(), max: 1 });
      const { rows } = await other.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'eventlog'`);
      await other.end();
      assert.equal(rows[0].n, 0, 'status created nothing');
    } finally {
      await pool.query(`DROP DATABASE IF EXISTS ${scratch}`);
      await pool.end();
    }
  });
});
