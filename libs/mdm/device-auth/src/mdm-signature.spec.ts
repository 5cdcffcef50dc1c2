import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import forge from 'node-forge';
import { createTestCa, issueDeviceIdentity, signMdmBody, type DeviceIdentity } from '@espalier/shared/util-testing';
import { DeviceCertError } from './device-cert.error';
import { signerFromMdmSignature } from './mdm-signature';

const DAY = 86_400_000;
const ca = createTestCa();
const rsa = issueDeviceIdentity(ca, { keyType: 'rsa' });
const ec256 = issueDeviceIdentity(ca, { keyType: 'ecdsa' });
const ec384 = issueDeviceIdentity(ca, { keyType: 'ecdsa', curve: 'P-384' });
const other = issueDeviceIdentity(ca, { keyType: 'rsa' });
const body = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>MessageType</key><string>Authenticate</string></dict></plist>\n');

async function rejects(header: string, message: RegExp, signedBody = body): Promise<void> {
  await assert.rejects(signerFromMdmSignature(header, signedBody), (error: unknown) => {
    assert.ok(error instanceof DeviceCertError);
    assert.equal(error.status, 400);
    assert.match(error.message, /^verifying Mdm-Signature: /);
    assert.match(error.message, message);
    return true;
  });
}

describe('signerFromMdmSignature', () => {
  const accepted: [string, DeviceIdentity, Parameters<typeof signMdmBody>[2]][] = [
    ['RSA, SHA-1, signed attributes (older devices)', rsa, { digest: 'sha1' }],
    ['RSA, SHA-256, signed attributes (current devices)', rsa, { digest: 'sha256' }],
    ['RSA, SHA-384', rsa, { digest: 'sha384' }],
    ['RSA, SHA-512', rsa, { digest: 'sha512' }],
    ['RSA, SHA-256, no signed attributes', rsa, { signedAttributes: false }],
    ['RSA, SHA-1, no signed attributes', rsa, { digest: 'sha1', signedAttributes: false }],
    ['ECDSA P-256, SHA-256', ec256, { digest: 'sha256' }],
    ['ECDSA P-256, SHA-1', ec256, { digest: 'sha1' }],
    ['ECDSA P-384, SHA-384', ec384, { digest: 'sha384' }],
    ['ECDSA P-256, no signed attributes', ec256, { signedAttributes: false }],
    ['signer named by subject key identifier', rsa, { signerIdentifier: 'subjectKeyIdentifier' }],
    ['extra certificates in the set', rsa, { extraCertificates: [other.certDer, ca.rootDer] }],
  ];
  for (const [name, identity, options] of accepted) {
    it(`returns the signer certificate: ${name}`, async () => {
      const der = await signerFromMdmSignature(signMdmBody(body, identity, options), body);
      assert.deepEqual(der, identity.certDer);
    });
  }

  it('accepts a CMS made by another implementation (node-forge, as infra-notes tried)', async () => {
    const p7 = forge.pkcs7.createSignedData();
    p7.content = forge.util.createBuffer(body.toString('binary'));
    p7.addCertificate(rsa.certPem);
    p7.addSigner({
      key: forge.pki.privateKeyFromPem(rsa.keyPem),
      certificate: rsa.certPem,
      digestAlgorithm: forge.pki.oids.sha256,
      authenticatedAttributes: [
        { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
        { type: forge.pki.oids.messageDigest },
        { type: forge.pki.oids.signingTime, value: new Date() as unknown as string },
      ],
    });
    p7.sign({ detached: true });
    const header = forge.util.encode64(forge.asn1.toDer(p7.toAsn1()).getBytes());
    assert.deepEqual(await signerFromMdmSignature(header, body), rsa.certDer);
  });

  it('ignores CR and LF inside the base64, as Go does', async () => {
    const wrapped = signMdmBody(body, rsa).replace(/.{64}/g, '$&\r\n');
    assert.deepEqual(await signerFromMdmSignature(wrapped, body), rsa.certDer);
  });

  it('accepts a signing time inside the signer certificate validity', async () => {
    const header = signMdmBody(body, rsa, { signingTime: new Date(Date.now() - DAY / 2) });
    assert.deepEqual(await signerFromMdmSignature(header, body), rsa.certDer);
  });

  it('rejects a signing time before the signer certificate validity', () =>
    rejects(signMdmBody(body, rsa, { signingTime: new Date(Date.now() - 3 * DAY) }), /signing time .* outside/));

  it('rejects a signing time after the signer certificate validity', () =>
    rejects(signMdmBody(body, ec256, { signingTime: new Date(Date.now() + 60 * DAY) }), /signing time .* outside/));

  it('rejects a tampered body when signed attributes carry the digest', () =>
    rejects(signMdmBody(body, rsa), /message digest does not match the body/, Buffer.concat([body, Buffer.from(' ')])));

  it('rejects a tampered body without signed attributes (RSA and ECDSA)', async () => {
    const tampered = Buffer.from(body.toString().replace('Authenticate', 'TokenUpdate'));
    await rejects(signMdmBody(body, rsa, { signedAttributes: false }), /signature does not verify/, tampered);
    await rejects(signMdmBody(body, ec256, { signedAttributes: false }), /signature does not verify/, tampered);
  });

  it('rejects a signature made by another key than the certificate in the CMS', async () => {
    await rejects(signMdmBody(body, rsa, { signerOverride: { privateKey: other.privateKey } }), /signature does not verify/);
    await rejects(signMdmBody(body, ec256, { signerOverride: { privateKey: other.privateKey } }), /does not fit the signer's ec key/);
  });

  it('rejects two signers, even if both are valid', () =>
    rejects(signMdmBody(body, rsa, { extraSigners: [other] }), /exactly one signer, found 2/));

  it('rejects a CMS without the signer certificate', () =>
    rejects(signMdmBody(body, rsa, { omitSignerCertificate: true, extraCertificates: [other.certDer] }), /no certificate for the signer/));

  for (const [name, header] of [
    ['garbage', 'not base64 at all!'],
    ['URL-safe alphabet', signMdmBody(body, rsa).replace(/\+/g, '-').replace(/\//g, '_') + '-_'],
    ['missing padding', 'QUJD' + 'QQ'],
    ['empty', ''],
  ]) {
    it(`rejects invalid base64: ${name}`, () => rejects(header, /header is not valid base64/));
  }

  it('rejects a structure that is not CMS', async () => {
    await rejects(Buffer.from('hello world, not DER').toString('base64'), /not a DER\/BER structure|not a CMS/);
    await rejects(rsa.certDer.toString('base64'), /not a CMS|not SignedData/);
  });

  it('rejects trailing bytes after the CMS', () => {
    const der = Buffer.concat([Buffer.from(signMdmBody(body, rsa), 'base64'), Buffer.from([0, 0])]);
    return rejects(der.toString('base64'), /not a DER\/BER structure/);
  });
});
