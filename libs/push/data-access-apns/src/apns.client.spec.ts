import { after, afterEach, before, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import http2, { type ClientHttp2Session } from 'node:http2';
import { setTimeout as sleep } from 'node:timers/promises';
import { issuePushCertificate, startFakeApns, type FakeApns } from '@espalier/shared/util-testing';
import { ApnsClient, type ApnsClientOptions } from './apns.client';

const TOPIC = 'com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9';
const OTHER_TOPIC = 'com.apple.mgmt.External.5b3a4f0e-7c1d-4a39-9d7e-2f7b1c0a9e11';
const TOKEN = 'c0ffee00deadbeef'.repeat(4);
const cert = issuePushCertificate({ topic: TOPIC });

function clientFor(apns: FakeApns, options: Partial<ApnsClientOptions> = {}, topic = TOPIC): ApnsClient {
  const identity = topic === TOPIC ? cert : issuePushCertificate({ topic });
  return new ApnsClient(topic, {
    baseUrl: apns.url,
    ca: apns.ca,
    certificatePem: identity.certPem,
    privateKeyPem: identity.keyPem,
    ...options,
  });
}

describe('ApnsClient', () => {
  let apns: FakeApns;
  let client: ApnsClient;

  before(async () => {
    apns = await startFakeApns();
    client = clientFor(apns);
  });
  afterEach(() => apns.reply(() => ({ status: 200 })));
  after(async () => {
    await client.close();
    await apns.close();
  });

  it('posts the MDM payload to /3/device/<token> and returns the apns-id', async () => {
    apns.reply(() => ({ status: 200, apnsId: 'A1B2C3D4-0000-0000-0000-000000000001' }));
    const outcome = await client.push({ token: TOKEN, pushMagic: 'magic-"1"' });
    assert.deepEqual(outcome, { ok: true, apnsId: 'A1B2C3D4-0000-0000-0000-000000000001' });
    const req = apns.requests.at(-1);
    assert.equal(req?.method, 'POST');
    assert.equal(req?.path, `/3/device/${TOKEN}`);
    assert.equal(req?.deviceToken, TOKEN);
    assert.equal(req?.body, '{"mdm":"magic-\\"1\\""}');
    assert.equal(req?.topic, TOPIC);
    assert.equal(req?.headers['apns-topic'], TOPIC);
    assert.equal(req?.headers['apns-push-type'], 'mdm');
    assert.equal(req?.headers['apns-priority'], '10');
    assert.equal(req?.headers['content-type'], 'application/json');
    assert.equal(req?.headers['apns-expiration'], undefined);
  });

  it('sends apns-expiration only when configured', async () => {
    const expiring = clientFor(apns, { expirationSeconds: 3600, now: () => 1_700_000_000_500 });
    try {
      assert.equal((await expiring.push({ token: TOKEN, pushMagic: 'm' })).ok, true);
      assert.equal(apns.requests.at(-1)?.headers['apns-expiration'], '1700003600');
    } finally {
      await expiring.close();
    }
  });

  it('maps APNs error replies to failure outcomes', async () => {
    const cases = [
      { status: 400, reason: 'BadDeviceToken', timestamp: null },
      { status: 410, reason: 'Unregistered', timestamp: 1_700_000_000_123 },
      { status: 429, reason: 'TooManyRequests', timestamp: null },
      { status: 500, reason: 'InternalServerError', timestamp: null },
    ] as const;
    for (const expected of cases) {
      apns.reply(() => ({
        status: expected.status,
        reason: expected.reason,
        ...(expected.timestamp === null ? {} : { timestamp: expected.timestamp }),
      }));
      assert.deepEqual(await client.push({ token: TOKEN, pushMagic: 'm' }), { ok: false, ...expected });
    }
  });

  it('cancels a push APNs does not answer in time, and the session keeps working', async () => {
    const impatient = clientFor(apns, { requestTimeoutMs: 200 });
    try {
      let release = () => undefined as void;
      apns.reply(() => new Promise((resolve) => (release = () => resolve({ status: 200 }))));
      assert.deepEqual(await impatient.push({ token: TOKEN, pushMagic: 'm' }), {
        ok: false, status: null, reason: 'APNs did not answer within 200 ms', timestamp: null,
      });
      release();
      apns.reply(() => ({ status: 200, apnsId: 'AFTER-TIMEOUT' }));
      assert.deepEqual(await impatient.push({ token: TOKEN, pushMagic: 'm' }), { ok: true, apnsId: 'AFTER-TIMEOUT' });
      assert.equal(impatient.openSessions, 1);
    } finally {
      await impatient.close();
    }
  });

  it('refuses a token that is not hex without sending anything', async () => {
    const before = apns.requests.length;
    const outcome = await client.push({ token: '../../x', pushMagic: 'm' });
    assert.deepEqual(outcome, { ok: false, status: null, reason: 'apns push: device token is not hex', timestamp: null });
    assert.equal(apns.requests.length, before);
  });

  for (const code of [0, 2]) {
    it(`reports a GOAWAY (code ${code}) on the push it hit, then pushes on a new session`, async () => {
      let first = true;
      apns.reply(() => {
        if (!first) return { status: 200, apnsId: 'AFTER-GOAWAY' };
        first = false;
        return { goaway: true, code, reason: 'Shutdown' };
      });
      const failed = await client.push({ token: TOKEN, pushMagic: 'm' });
      assert.deepEqual(failed, { ok: false, status: code, reason: 'Shutdown', timestamp: null });
      assert.deepEqual(await client.push({ token: TOKEN, pushMagic: 'm' }), { ok: true, apnsId: 'AFTER-GOAWAY' });
    });
  }

  it('keeps its sessions: many sequential pushes reuse them', async () => {
    for (let i = 0; i < 20; i += 1) assert.equal((await client.push({ token: TOKEN, pushMagic: `m${i}` })).ok, true);
    assert.equal(client.openSessions, 1);
  });
});

describe('ApnsClient stream limits', () => {
  let apns: FakeApns;
  before(async () => {
    apns = await startFakeApns({ maxConcurrentStreams: 5 });
  });
  after(() => apns.close());

  it('never opens more streams per session than the server allows, queueing the rest', async () => {
    let serverActive = 0;
    let serverMax = 0;
    apns.reply(async () => {
      serverActive += 1;
      serverMax = Math.max(serverMax, serverActive);
      await sleep(3);
      serverActive -= 1;
      return { status: 200 };
    });
    // Count streams on the client side too: nghttp2 would also hold back streams over the
    // limit, so only this shows that the pool itself queues.
    const clientMaxPerSession: number[] = [];
    const connect = http2.connect;
    mock.method(http2, 'connect', (...args: Parameters<typeof http2.connect>) => {
      const session: ClientHttp2Session = connect(...args);
      const index = clientMaxPerSession.push(0) - 1;
      let open = 0;
      const request = session.request.bind(session);
      session.request = (...requestArgs: Parameters<ClientHttp2Session['request']>) => {
        const stream = request(...requestArgs);
        open += 1;
        clientMaxPerSession[index] = Math.max(clientMaxPerSession[index] ?? 0, open);
        stream.on('close', () => (open -= 1));
        return stream;
      };
      return session;
    });
    const client = clientFor(apns, { sessions: 2 });
    try {
      const outcomes = await Promise.all(
        Array.from({ length: 200 }, (_, i) => client.push({ token: TOKEN, pushMagic: `m${i}` })),
      );
      assert.equal(outcomes.filter((outcome) => outcome.ok).length, 200);
      assert.equal(client.openSessions, 2);
      assert.deepEqual(clientMaxPerSession, [5, 5]);
      assert.ok(serverMax <= 10, `server saw ${serverMax} concurrent streams over 2 sessions`);
    } finally {
      mock.restoreAll();
      await client.close();
    }
  });

  it('bounds pushes in flight by maxInFlight', async () => {
    let active = 0;
    let max = 0;
    apns.reply(async () => {
      active += 1;
      max = Math.max(max, active);
      await sleep(3);
      active -= 1;
      return { status: 200 };
    });
    const client = clientFor(apns, { sessions: 2, maxInFlight: 3 });
    try {
      const outcomes = await Promise.all(Array.from({ length: 30 }, () => client.push({ token: TOKEN, pushMagic: 'm' })));
      assert.ok(outcomes.every((outcome) => outcome.ok));
      assert.equal(max, 3);
    } finally {
      await client.close();
    }
  });
});

describe('ApnsClient per topic', () => {
  it('uses each topic’s own certificate', async () => {
    const otherCert = issuePushCertificate({ topic: OTHER_TOPIC });
    const apns = await startFakeApns();
    const first = clientFor(apns);
    const second = new ApnsClient(OTHER_TOPIC, {
      baseUrl: apns.url,
      ca: apns.ca,
      certificatePem: otherCert.certPem,
      privateKeyPem: otherCert.keyPem,
    });
    try {
      await first.push({ token: 'aa', pushMagic: 'first' });
      await second.push({ token: 'bb', pushMagic: 'second' });
      const seen = apns.requests.map((req) => [req.deviceToken, req.topic, req.headers['apns-topic']]);
      assert.deepEqual(seen, [
        ['aa', TOPIC, TOPIC],
        ['bb', OTHER_TOPIC, OTHER_TOPIC],
      ]);
    } finally {
      await Promise.all([first.close(), second.close()]);
      await apns.close();
    }
  });
});

describe('ApnsClient transport failures', () => {
  it('turns a refused connection into a failure outcome', async () => {
    const client = new ApnsClient(TOPIC, {
      baseUrl: 'https://127.0.0.1:1',
      certificatePem: cert.certPem,
      privateKeyPem: cert.keyPem,
    });
    try {
      const outcome = await client.push({ token: TOKEN, pushMagic: 'm' });
      assert.equal(outcome.ok, false);
      assert.equal(!outcome.ok && outcome.status, null);
      assert.match(!outcome.ok ? outcome.reason : '', /ECONNREFUSED/);
    } finally {
      await client.close();
    }
  });

  it('fails pushes after close() instead of reconnecting', async () => {
    const apns = await startFakeApns();
    const client = clientFor(apns);
    await client.close();
    try {
      assert.deepEqual(await client.push({ token: TOKEN, pushMagic: 'm' }), {
        ok: false,
        status: null,
        reason: 'apns client closed',
        timestamp: null,
      });
    } finally {
      await apns.close();
    }
  });

  it('lets the process exit after close()', async () => {
    const script = `
      const load = async (specifier) => { const m = await import(specifier); return m.default ?? m; };
      const { startFakeApns, issuePushCertificate } = await load('@espalier/shared/util-testing');
      const { ApnsClient } = await load(${JSON.stringify(`${__dirname}/apns.client.ts`)});
      const apns = await startFakeApns();
      const cert = issuePushCertificate({ topic: 't' });
      const client = new ApnsClient('t', { baseUrl: apns.url, ca: apns.ca, certificatePem: cert.certPem, privateKeyPem: cert.keyPem });
      const outcome = await client.push({ token: 'ab', pushMagic: 'm' });
      await client.close();
      await apns.close();
      console.log(JSON.stringify(outcome.ok));
    `;
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', '--input-type=module', '-e', script],
        { timeout: 20_000, cwd: process.cwd() },
        (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)),
      );
    });
    assert.equal(stdout.trim(), 'true');
  });
});
