import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as pkijs from 'pkijs';
import { SimulatedDevice } from './simulated-device';
import { createTestCa, issueDeviceIdentity } from './test-ca';

interface Seen {
  method?: string;
  url?: string;
  contentType?: string;
  signature?: string;
  body: Buffer;
}

describe('SimulatedDevice', () => {
  const ca = createTestCa();
  const device = new SimulatedDevice(issueDeviceIdentity(ca, { keyType: 'rsa' }));
  const stranger = issueDeviceIdentity(ca, { keyType: 'ecdsa' });
  const seen: Seen[] = [];
  let baseUrl = '';
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({
        method: req.method,
        url: req.url,
        contentType: req.headers['content-type'],
        signature: req.headers['mdm-signature'] as string | undefined,
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'x-test': 'yes' }).end('next command');
    });
  });

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  async function signerOf(header: string, data: Buffer): Promise<Buffer> {
    const sd = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(Buffer.from(header, 'base64')).content });
    const result = await sd.verify({ signer: 0, data: new Uint8Array(data).buffer, checkChain: false, extendedMode: true });
    assert.equal(result.signatureVerified, true);
    return Buffer.from(result.signerCertificate!.toSchema().toBER());
  }

  it('checks in with PUT, the exact bytes and a valid Mdm-Signature', async () => {
    const body = Buffer.from('<?xml version="1.0"?>\r\n<plist>\u00e9</plist>');
    const response = await device.checkin(baseUrl, body);
    assert.equal(response.status, 200);
    assert.equal(response.body.toString(), 'next command');
    assert.equal(response.headers.get('x-test'), 'yes');
    const request = seen.at(-1) as Seen;
    assert.equal(request.method, 'PUT');
    assert.equal(request.url, '/mdm');
    assert.equal(request.contentType, 'application/x-apple-aspen-mdm-checkin');
    assert.deepEqual(request.body, body);
    assert.deepEqual(await signerOf(request.signature as string, body), device.identity.certDer);
  });

  it('reports to /mdm with the command content type', async () => {
    await device.report(baseUrl, Buffer.from('<plist>report</plist>'));
    const request = seen.at(-1) as Seen;
    assert.equal(request.url, '/mdm');
    assert.equal(request.contentType, 'application/x-apple-aspen-mdm');
  });

  it('honours path, content type and extra headers', async () => {
    await device.checkin(baseUrl, Buffer.from('x'), { path: '/checkin', contentType: 'text/plain', headers: { 'x-extra': '1' } });
    assert.equal(seen.at(-1)?.url, '/checkin');
    assert.equal(seen.at(-1)?.contentType, 'text/plain');
  });

  it('can tamper, omit the signature, or sign as another identity', async () => {
    const body = Buffer.from('signed');
    await device.checkin(baseUrl, body, { sendBody: Buffer.from('sent') });
    assert.deepEqual(seen.at(-1)?.body, Buffer.from('sent'));
    assert.deepEqual(await signerOf(seen.at(-1)?.signature as string, body), device.identity.certDer);
    await device.checkin(baseUrl, body, { omitSignature: true });
    assert.equal(seen.at(-1)?.signature, undefined);
    await device.checkin(baseUrl, body, { signAs: stranger });
    assert.deepEqual(await signerOf(seen.at(-1)?.signature as string, body), stranger.certDer);
  });
});
