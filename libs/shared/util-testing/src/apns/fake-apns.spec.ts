import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2, { type ClientHttp2Session } from 'node:http2';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { createTestCa, issueDeviceIdentity } from '../devices/test-ca';
import { startFakeApns, type FakeApns } from './fake-apns';
import { issuePushCertificate } from './push-certificate';

const TOPIC = 'com.apple.mgmt.External.e0bd1eac-1f17-4c8e-8a63-dd17d3dd35d9';

interface PushResult {
  readonly status: number;
  readonly headers: http2.IncomingHttpHeaders;
  readonly body: string;
}

function push(session: ClientHttp2Session, token = 'abcd'): Promise<PushResult> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ':method': 'POST',
      ':path': `/3/device/${token}`,
      'content-type': 'application/json',
      'apns-topic': TOPIC,
      'apns-push-type': 'mdm',
    });
    let headers: http2.IncomingHttpHeaders = {};
    let body = '';
    req.on('response', (h) => (headers = h));
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      if (headers[':status'] === undefined) reject(new Error(`stream ended without a response (rstCode ${req.rstCode})`));
      else resolve({ status: Number(headers[':status']), headers, body });
    });
    req.on('error', reject);
    req.end('{"mdm":"magic"}');
  });
}

describe('startFakeApns', () => {
  const cert = issuePushCertificate({ topic: TOPIC });
  let apns: FakeApns;
  let client: ClientHttp2Session;
  const connect = () => http2.connect(apns.url, { ca: apns.ca, cert: cert.certPem, key: cert.keyPem });

  before(async () => {
    apns = await startFakeApns();
    client = connect();
  });
  after(async () => {
    client.close();
    await apns.close();
  });

  it('records the push and answers 200 with an apns-id by default', async () => {
    const res = await push(client);
    assert.equal(res.status, 200);
    assert.match(String(res.headers['apns-id']), /^[0-9A-F-]{36}$/);
    const [req] = apns.requests.slice(-1);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/3/device/abcd');
    assert.equal(req.headers['apns-topic'], TOPIC);
    assert.equal(req.headers['apns-push-type'], 'mdm');
    assert.equal(req.body, '{"mdm":"magic"}');
    assert.equal(req.topic, TOPIC);
    assert.equal(req.certificateFingerprint, new X509Certificate(cert.certPem).fingerprint256);
    assert.equal(req.deviceToken, 'abcd');
  });

  it('answers a scripted 410 with the reason and a timestamp', async () => {
    apns.reply(() => ({ status: 410, reason: 'Unregistered', timestamp: 1700000000000 }));
    const res = await push(client);
    assert.equal(res.status, 410);
    assert.deepEqual(JSON.parse(res.body), { reason: 'Unregistered', timestamp: 1700000000000 });
  });

  it('answers a scripted 400 BadDeviceToken, chosen per request', async () => {
    apns.reply((req) => (req.deviceToken === 'bad0' ? { status: 400, reason: 'BadDeviceToken' } : { status: 200, apnsId: 'X' }));
    const bad = await push(client, 'bad0');
    assert.equal(bad.status, 400);
    assert.deepEqual(JSON.parse(bad.body), { reason: 'BadDeviceToken' });
    const good = await push(client, 'beef');
    assert.equal(good.status, 200);
    assert.equal(good.headers['apns-id'], 'X');
  });

  it('sends a scripted GOAWAY with the code and the JSON reason as debug data', async () => {
    apns.reply(() => ({ goaway: true, code: 2, reason: 'Shutdown' }));
    const session = connect();
    const goaway = once(session, 'goaway');
    session.on('error', () => undefined);
    await assert.rejects(push(session));
    const [code, , data] = (await goaway) as [number, number, Buffer];
    assert.equal(code, 2);
    assert.deepEqual(JSON.parse(data.toString()), { reason: 'Shutdown' });
    session.destroy();
    apns.reply(() => ({ status: 200 }));
  });

  it('issues push certificates with the topic as subject UID, an APSP CN and clientAuth', () => {
    const x509 = new X509Certificate(cert.certPem);
    assert.match(x509.subject, new RegExp(`^UID=${TOPIC.replaceAll('.', '\\.')}\nCN=APSP:[0-9a-f-]{36}\nC=US$`));
    assert.deepEqual(x509.keyUsage, ['1.3.6.1.5.5.7.3.2']);
    assert.ok(x509.verify(new X509Certificate(cert.caPem).publicKey));
    assert.equal(issuePushCertificate({ topic: 'x' }).caPem, cert.caPem);
  });

  it('advertises maxConcurrentStreams in its SETTINGS', async () => {
    const limited = await startFakeApns({ maxConcurrentStreams: 7 });
    const session = http2.connect(limited.url, { ca: limited.ca, cert: cert.certPem, key: cert.keyPem });
    const [settings] = (await once(session, 'remoteSettings')) as [http2.Settings];
    assert.equal(settings.maxConcurrentStreams, 7);
    session.close();
    await limited.close();
  });

  for (const [name, options] of [
    ['no certificate', {}],
    ['a certificate from another CA', strangerIdentity()],
  ] as const) {
    it(`refuses a client with ${name} at the TLS level`, async () => {
      const before = apns.requests.length;
      const session = http2.connect(apns.url, { ca: apns.ca, ...options });
      // TLS 1.3 finishes the client's side of the handshake first, so the server's refusal
      // surfaces on the first request (as the alert, or as a reset stream) rather than on connect().
      const err = await push(session).then(
        () => assert.fail('the push went through'),
        (e: Error) => e,
      );
      assert.match(err.message, /alert (certificate required|unknown ca)|without a response/i);
      assert.equal(apns.requests.length, before);
      session.destroy();
    });
  }
});

function strangerIdentity(): { cert: string; key: string } {
  const identity = issueDeviceIdentity(createTestCa({ commonName: 'Stranger CA' }), { keyType: 'rsa' });
  return { cert: identity.certPem, key: identity.keyPem };
}
