import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { migrateService, readCheckpoints } from '@espalier/shared/data-access-postgres';
import { repoRoot, waitUntil } from '@espalier/shared/util-testing';
import { openHarness, type Harness } from '../fixtures/log-harness';
import { chainStep, seenProjection, type SeenRow } from '../fixtures/seen.projection';
import { seenEvent, toRecord } from '../fixtures/seen-events';

const TOTAL = 3_000;
const KILLS = 3;

function startWorker(h: Harness): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'test/fixtures/projection-worker.ts')], {
    cwd: repoRoot,
    env: { ...process.env, WORKER_TOPIC: h.topic, WORKER_SCHEMA: h.schema, WORKER_DELAY_MS: '40' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`projection worker exited early with ${code}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('a projection consumer killed with SIGKILL mid-batch', () => {
  let h: Harness;
  before(async () => {
    h = await openHarness(2);
    await migrateService(h.pool, { schema: h.schema, migrations: [], projections: [seenProjection({ schema: h.schema, topic: h.topic })] });
  });
  after(() => h.close());

  it(`applies each of ${TOTAL} events exactly once after ${KILLS} kills and restarts`, async () => {
    const events = Array.from({ length: TOTAL }, (_, n) => seenEvent(`dev-${n % 50}`, n));
    // Appended in small requests: the broker returns whole record batches, so
    // one huge append would make one huge batch and leave nothing to kill into.
    for (let i = 0; i < TOTAL; i += 25) await h.log.appender.append(events.slice(i, i + 25).map((e) => toRecord(e, h.topic)));
    const applied = async () => (await h.rows<{ n: string }>('SELECT coalesce(sum(events), 0) AS n FROM $schema.seen'))[0].n;
    let lastSeen = '0';
    for (let kill = 1; kill <= KILLS; kill++) {
      const worker = await startWorker(h);
      // Kill only once it has made progress since the last kill, while it is inside a batch (each batch sleeps 40 ms in its transaction).
      await waitUntil('progress before the kill', async () => Number(await applied()) > Number(lastSeen), 60_000, 10);
      await killed(worker);
      lastSeen = await applied();
      assert.ok(Number(lastSeen) < TOTAL, `kill ${kill} came before the end (${lastSeen} applied)`);
    }
    const worker = await startWorker(h);
    try {
      await waitUntil('every event applied', async () => Number(await applied()) >= TOTAL, 120_000);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      worker.kill('SIGTERM');
      await new Promise((r) => worker.once('exit', r));
    }
    const rows = await h.rows<SeenRow>('SELECT * FROM $schema.seen ORDER BY enrollment_id');
    const expected = new Map<string, { events: number; chain: string }>();
    for (const e of events) {
      const row = expected.get(e.enrollmentId as string) ?? { events: 0, chain: '' };
      expected.set(e.enrollmentId as string, { events: row.events + 1, chain: chainStep(row.chain, e.eventId) });
    }
    assert.equal(rows.reduce((n, r) => n + r.events, 0), TOTAL, 'row count: every event once');
    for (const row of rows) assert.deepEqual({ events: row.events, chain: row.chain }, expected.get(row.enrollment_id), `checksum of ${row.enrollment_id}`);
    const checkpoints = await readCheckpoints(h.pool, h.schema, 'test.seen');
    assert.equal(checkpoints.length, 2);
  });
});
