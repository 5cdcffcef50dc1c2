import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { acknowledgedReport, commandPlist, idleReport, repoRoot, testInfra } from '@espalier/shared/util-testing';
import { openApiHarness, type ApiHarness } from '../api/api-harness';

interface CliReport {
  readonly projection: string;
  readonly equal: boolean;
  readonly swapped: boolean;
  readonly livePausedMs: number;
  readonly tables: { table: string; liveRows: number }[];
}

/** `espalier replay all` as an operator runs it, against the stack's own broker and database. */
function replayAll(): Promise<{ code: number; stdout: string; stderr: string }> {
  const infra = testInfra();
  return new Promise((resolve) => {
    execFile(path.join(repoRoot, 'bin/espalier'), ['replay', 'all', '--json'], { env: { ...process.env, KAFKA_BROKERS: infra.kafkaBrokers.join(','), DATABASE_URL: infra.databaseUrl }, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('replay while live: every projection of every service rebuilt and swapped under device and API traffic', () => {
  let h: ApiHarness;
  before(async () => {
    h = await openApiHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('swaps every projection with equal tables while devices check in and report and operators enqueue and read; no request fails', async () => {
    const devices = await Promise.all(Array.from({ length: 4 }, async () => {
      const device = h.device();
      return { device, udid: await h.enroll(device) };
    }));
    const failures: string[] = [];
    const counts = { device: 0, api: 0 };
    let running = true;
    const expect = (what: string, status: number, ok: readonly number[]) => {
      if (!ok.includes(status)) failures.push(`${what}: ${status}`);
    };
    // One loop per device: enqueue (API), fetch it (Idle), acknowledge it, re-send a TokenUpdate-like check-in, read the queue (API).
    const traffic = devices.map(async ({ device, udid }) => {
      while (running) {
        const uuid = randomUUID().toUpperCase();
        const enqueued = await h.call('PUT', `/v1/enqueue/${udid}?nopush=1`, { body: commandPlist({ commandUuid: uuid, requestType: 'DeviceInformation' }) });
        expect('enqueue', enqueued.status, [200]);
        const idle = await device.report(h.commands.url, idleReport({ ids: { udid } }));
        expect('idle report', idle.status, [200]);
        const ack = await device.report(h.commands.url, acknowledgedReport({ ids: { udid }, commandUuid: uuid }));
        expect('acknowledge', ack.status, [200]);
        const again = await h.enroll(device, udid).then(() => 200, () => 500);
        expect('re-enroll', again, [200]);
        const queue = await h.call('GET', `/v1/enrollments/${udid}/queue`);
        expect('read queue', queue.status, [200]);
        const history = await h.call('GET', `/v1/enrollments/${udid}/events?order=desc&limit=5`);
        expect('read history', history.status, [200]);
        counts.device += 4;
        counts.api += 3;
      }
    });
    await new Promise((r) => setTimeout(r, 1_000));
    const replay = await replayAll();
    running = false;
    await Promise.all(traffic);

    assert.equal(replay.code, 0, replay.stderr);
    const reports = JSON.parse(replay.stdout) as CliReport[];
    assert.deepStrictEqual(reports.map((r) => r.projection).sort(), ['api.history', 'api.registry', 'checkin.enrollments', 'commands.queue', 'push.targets']);
    for (const r of reports) {
      assert.equal(r.equal, true, `${r.projection}: ${JSON.stringify(r.tables)}`);
      assert.equal(r.swapped, true, r.projection);
    }
    assert.deepStrictEqual(failures, []);
    assert.ok(counts.device > 0 && counts.api > 0, 'traffic ran during the replay');
    process.stderr.write(`replay under traffic: ${counts.device} device and ${counts.api} API requests, none failed; live writers paused ${reports.map((r) => `${r.projection} ${r.livePausedMs} ms`).join(', ')}\n`);

    // The services go on with the swapped tables: a new command is served and shows in the read API.
    const { device, udid } = devices[0];
    const uuid = randomUUID().toUpperCase();
    const payload = commandPlist({ commandUuid: uuid, requestType: 'ProfileList' });
    assert.equal((await h.call('PUT', `/v1/enqueue/${udid}?nopush=1`, { body: payload })).status, 200);
    assert.ok((await device.report(h.commands.url, idleReport({ ids: { udid } }))).body.equals(payload));
    const queue = JSON.parse((await h.call('GET', `/v1/enrollments/${udid}/queue`)).text);
    assert.deepStrictEqual(queue.commands.map((c: { command_uuid: string }) => c.command_uuid), [uuid]);
  });
});
