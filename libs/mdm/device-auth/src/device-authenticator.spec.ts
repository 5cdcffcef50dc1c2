import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestCa, issueDeviceIdentity, signMdmBody } from '@espalier/shared/util-testing';
import { DeviceCertVerifier } from './cert-verifier';
import { DeviceAuthenticator } from './device-authenticator';
import { DeviceCertError } from './device-cert.error';

const ca = createTestCa({ intermediate: true });
const identity = issueDeviceIdentity(ca, { keyType: 'rsa' });
const body = Buffer.from('<plist><dict><key>MessageType</key><string>Authenticate</string></dict></plist>');
const withPool = DeviceCertVerifier.fromPem({ roots: ca.rootPem, intermediates: ca.intermediatePem });

async function fails(promise: Promise<unknown>, reason: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DeviceCertError);
    assert.equal(error.status, 400);
    assert.match(error.message, reason);
    return true;
  });
}

describe('DeviceAuthenticator with Mdm-Signature', () => {
  const auth = new DeviceAuthenticator({ verifier: withPool });

  it('verifies the signer of the exact body', async () => {
    const verified = await auth.authenticate({ 'Mdm-Signature': signMdmBody(body, identity) }, body);
    assert.deepEqual(verified.der, identity.certDer);
  });

  it('finds the header whatever its case, and takes the first of repeated values', async () => {
    const header = signMdmBody(body, identity);
    await auth.authenticate({ 'mdm-signature': [header, 'junk'] }, body);
  });

  it('reports a missing certificate when there is no header', () =>
    fails(auth.authenticate({}, body), /^verifying device certificate: missing MDM certificate$/));

  it('reports a missing certificate when the header is empty', () =>
    fails(auth.authenticate({ 'mdm-signature': '' }, body), /missing MDM certificate/));

  it('refuses a bad signature with the Mdm-Signature error', () =>
    fails(auth.authenticate({ 'mdm-signature': signMdmBody(body, identity) }, Buffer.from('tampered')), /^verifying Mdm-Signature: message digest/));

  it('never uses an intermediate embedded in the CMS', async () => {
    const rootOnly = new DeviceAuthenticator({ verifier: DeviceCertVerifier.fromPem({ roots: ca.rootPem }) });
    const header = signMdmBody(body, identity, { extraCertificates: [ca.intermediateDer as Buffer] });
    await fails(rootOnly.authenticate({ 'mdm-signature': header }, body), /unknown authority/);
  });
});

describe('DeviceAuthenticator with a proxy certificate header', () => {
  const auth = new DeviceAuthenticator({ verifier: withPool, certHeader: 'X-Client-Cert' });
  const rfc9440 = `:${identity.certDer.toString('base64')}:`;

  it('reads RFC 9440 from the configured header, case-insensitively', async () => {
    assert.deepEqual((await auth.authenticate({ 'x-client-cert': rfc9440 }, body)).der, identity.certDer);
  });

  it('reads an escaped PEM', async () => {
    await auth.authenticate({ 'X-CLIENT-CERT': encodeURIComponent(identity.certPem) }, body);
  });

  it('ignores Mdm-Signature entirely, even an invalid one', async () => {
    await auth.authenticate({ 'x-client-cert': rfc9440, 'mdm-signature': 'garbage' }, body);
    await fails(auth.authenticate({ 'mdm-signature': signMdmBody(body, identity) }, body), /missing MDM certificate$/);
  });

  it('treats an unparsable header as no certificate, with the reason', () =>
    fails(auth.authenticate({ 'x-client-cert': ':bad' }, body), /missing MDM certificate \(x-client-cert header: .*colons\)/));

  it('verifies the certificate it extracted', () =>
    fails(auth.authenticate({ 'x-client-cert': `:${createTestCa({ commonName: 'Elsewhere' }).rootDer.toString('base64')}:` }, body), /unknown authority/));
});
