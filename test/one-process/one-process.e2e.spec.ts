import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  acknowledgedReport,
  commandPlist,
  createTestCa,
  FIXTURE_TOPIC,
  idleReport,
  issueDeviceIdentity,
  issuePushCertificate,
  macosAuthenticate,
  macosTokenUpdate,
  SimulatedDevice,
  startFakeApns,
  waitUntil,
  type FakeApns,
} from '@espalier/shared/util-testing';
import { startOneProcess, waitUntilReady, type OneProcessRun } from './one-process-harness';

const SERVICES = ['checkin', 'commands', 'push', 'api'];

/**
 * `npm start` as a new user runs it: all services in one process on one
 * port, PostgreSQL embedded (PGlite) and the event log in its tables under
 * the data directory; then the same with real engines (DATABASE_URL,
 * KAFKA_BROKERS). Each run serves a simulated device end to end: enroll,
 * push through the fake APNs, fetch the enqueued bytes, acknowledge.
 */
describe('npm start (one process)', () => {
  const ca = createTestCa({ commonName: 'One-Process Test CA' });
  const dir = mkdtempSync(path.join(tmpdir(), 'espalier-one-process-'));
  const key = randomBytes(12).toString('hex');
  let apns: FakeApns;
  let baseEnv: Record<string, string | undefined>;

  before(async () => {
    apns = await startFakeApns();
    writeFileSync(path.join(dir, 'ca.pem'), ca.rootPem);
    writeFileSync(path.join(dir, 'apns-ca.pem'), apns.ca);
    baseEnv = {
      ESPALIER_CA: path.join(dir, 'ca.pem'),
      ESPALIER_API: key,
      ESPALIER_APNS_URL: apns.url,
      NODE_EXTRA_CA_CERTS: path.join(dir, 'apns-ca.pem'),
      ESPALIER_SECRET_KEY: undefined,
    };
  });
  after(async () => {
    await apns.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const call = async (run: OneProcessRun, method: string, url: string, body?: Buffer | string) => {
    const res = await fetch(run.base + url, { method, body, headers: { authorization: `Basic ${Buffer.from(`nanomdm:${key}`).toString('base64')}` } });
    return { status: res.status, text: await res.text() };
  };

  /** Enqueues one command through NanoMDM's API, sees its push, fetches exactly its bytes, acknowledges it. */
  async function serveCommand(run: OneProcessRun, device: SimulatedDevice, udid: string, token: Buffer): Promise<string> {
    const commandUuid = randomUUID();
    const payload = commandPlist({ commandUuid, requestType: 'ProfileList', command: { ManagedOnly: false } });
    const pushesBefore = apns.requests.filter((r) => r.deviceToken === token.toString('hex')).length;
    const enqueued = await call(run, 'PUT', `/v1/enqueue/${udid}`, payload);
    assert.equal(enqueued.status, 200, enqueued.text);
    assert.equal(JSON.parse(enqueued.text).status[udid].push_result.length > 0, true, enqueued.text);
    await waitUntil('the push through the fake APNs', () => apns.requests.filter((r) => r.deviceToken === token.toString('hex')).length > pushesBefore, 20_000);
    const idle = await device.report(run.base, idleReport({ ids: { udid } }));
    assert.equal(idle.status, 200);
    assert.ok(idle.body.equals(payload), 'the device got the enqueued bytes');
    const ack = await device.report(run.base, acknowledgedReport({ ids: { udid }, commandUuid, requestType: 'ProfileList' }));
    assert.equal(ack.status, 200);
    assert.equal(ack.body.length, 0, 'nothing else queued');
    return commandUuid;
  }

  it('embedded: serves a device at once, and keeps enrollments, queue, push certificate and log across a restart', async () => {
    const dataDir = path.join(dir, 'data');
    const env = { ...baseEnv, ESPALIER_DATA_DIR: dataDir, KAFKA_BROKERS: undefined, DATABASE_URL: undefined };
    const device = new SimulatedDevice(issueDeviceIdentity(ca, { keyType: 'ecdsa' }));
    const udid = randomUUID().toUpperCase();
    const token = randomBytes(32);
    let run = await startOneProcess(env);
    let first: string;
    try {
      const readyMs = await waitUntilReady(run, SERVICES);
      assert.match(run.output(), /embedded PostgreSQL \(PGlite\)/);
      assert.match(run.output(), /event log: PostgreSQL tables/);
      const cert = issuePushCertificate({ topic: FIXTURE_TOPIC });
      assert.equal((await call(run, 'PUT', '/v1/pushcert', `${cert.certPem}\n${cert.keyPem}`)).status, 200);
      assert.equal((await device.checkin(run.base, macosAuthenticate({ ids: { udid } }))).status, 200);
      assert.equal((await device.checkin(run.base, macosTokenUpdate({ ids: { udid }, token }))).status, 200);
      first = await serveCommand(run, device, udid, token);
      console.error(`one-process (embedded): ready ${readyMs} ms after the start, a device enrolled, pushed, served and acknowledged ${Date.now() - run.startedAt} ms after it`);
      assert.equal((await fetch(`${run.ops}/api/metrics`)).status, 200);
      assert.equal((await fetch(`${run.base}/commands/readyz`)).status, 404, 'ops endpoints are not on the public port');
    } finally {
      const exit = await run.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, run.output());
    }

    run = await startOneProcess(env);
    try {
      await waitUntilReady(run, SERVICES);
      const enrollment = await call(run, 'GET', `/v1/enrollments/${udid}`);
      assert.equal(enrollment.status, 200, enrollment.text);
      const idle = await device.report(run.base, idleReport({ ids: { udid } }));
      assert.equal(idle.status, 200);
      assert.equal(idle.body.length, 0, 'the acknowledged command stays answered');
      // The push certificate, the device's token and the queue all came back from disk.
      const second = await serveCommand(run, device, udid, token);
      const history = await call(run, 'GET', `/v1/enrollments/${udid}/events?type=CommandQueued`);
      assert.equal(history.status, 200, history.text);
      const queued = (JSON.parse(history.text) as { events: { data: { commandUuid: string } }[] }).events.map((e) => e.data.commandUuid);
      assert.deepEqual(queued, [first, second]);
    } finally {
      const exit = await run.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, run.output());
    }
  });

  it('embedded, killed with SIGKILL: every check-in answered 200 before the kill is there after the restart', async () => {
    const env = { ...baseEnv, ESPALIER_DATA_DIR: path.join(dir, 'killed'), KAFKA_BROKERS: undefined, DATABASE_URL: undefined };
    const udids = Array.from({ length: 20 }, () => randomUUID().toUpperCase());
    let run = await startOneProcess(env);
    await waitUntilReady(run, SERVICES);
    await Promise.all(
      udids.map(async (udid) => {
        const device = new SimulatedDevice(issueDeviceIdentity(ca, { keyType: 'ecdsa' }));
        assert.equal((await device.checkin(run.base, macosAuthenticate({ ids: { udid } }))).status, 200);
        assert.equal((await device.checkin(run.base, macosTokenUpdate({ ids: { udid }, token: randomBytes(32) }))).status, 200);
      }),
    );
    run.child.kill('SIGKILL');
    await run.exited;
    run = await startOneProcess(env);
    try {
      await waitUntilReady(run, SERVICES);
      for (const udid of udids) assert.equal((await call(run, 'GET', `/v1/enrollments/${udid}`)).status, 200, udid);
    } finally {
      await run.stop();
    }
  });

  it('embedded with -webhook-url: the webhook bridge runs in the process and posts NanoMDM webhooks', async () => {
    const received: { topic: string; checkin_event?: { udid?: string } }[] = [];
    const receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    const run = await startOneProcess({ ...baseEnv, ESPALIER_DATA_DIR: path.join(dir, 'webhook'), KAFKA_BROKERS: undefined, DATABASE_URL: undefined }, ['-webhook-url', hook]);
    try {
      await waitUntilReady(run, [...SERVICES, 'webhook']);
      const device = new SimulatedDevice(issueDeviceIdentity(ca, { keyType: 'ecdsa' }));
      const udid = randomUUID().toUpperCase();
      assert.equal((await device.checkin(run.base, macosAuthenticate({ ids: { udid } }))).status, 200);
      await waitUntil('the Authenticate webhook', () => received.some((w) => w.topic === 'mdm.Authenticate' && w.checkin_event?.udid === udid), 20_000);
    } finally {
      const exit = await run.stop();
      receiver.close();
      assert.deepEqual(exit, { code: 0, signal: null }, run.output());
    }
  });

  it('refuses to start without -ca, and refuses unknown flags, naming them', async () => {
    const noCa = await startOneProcess({ ...baseEnv, ESPALIER_CA: undefined, ESPALIER_DATA_DIR: path.join(dir, 'unused') });
    assert.equal((await noCa.exited).code, 2);
    assert.match(noCa.output(), /ESPALIER_CA is not set/);
    const badFlag = await startOneProcess({ ...baseEnv, ESPALIER_DATA_DIR: path.join(dir, 'unused') }, ['-storage', 'pgsql']);
    assert.equal((await badFlag.exited).code, 2);
    assert.match(badFlag.output(), /unknown flag: -storage/);
  });

  it('with DATABASE_URL and KAFKA_BROKERS: the same process on the real engines', async () => {
    assert.ok(process.env.KAFKA_BROKERS && process.env.DATABASE_URL, 'the test runner provides Kafka and PostgreSQL');
    const run = await startOneProcess({ ...baseEnv, ESPALIER_DATA_DIR: path.join(dir, 'real'), ESPALIER_SECRET_KEY: randomBytes(32).toString('base64') });
    try {
      await waitUntilReady(run, SERVICES);
      assert.match(run.output(), /database: PostgreSQL at /);
      assert.match(run.output(), /event log: Kafka at /);
      const device = new SimulatedDevice(issueDeviceIdentity(ca, { keyType: 'ecdsa' }));
      const udid = randomUUID().toUpperCase();
      const token = randomBytes(32);
      const cert = issuePushCertificate({ topic: FIXTURE_TOPIC });
      assert.equal((await call(run, 'PUT', '/v1/pushcert', `${cert.certPem}\n${cert.keyPem}`)).status, 200);
      assert.equal((await device.checkin(run.base, macosAuthenticate({ ids: { udid } }))).status, 200);
      assert.equal((await device.checkin(run.base, macosTokenUpdate({ ids: { udid }, token }))).status, 200);
      await serveCommand(run, device, udid, token);
    } finally {
      const exit = await run.stop();
      assert.deepEqual(exit, { code: 0, signal: null }, run.output());
    }
  });
});
