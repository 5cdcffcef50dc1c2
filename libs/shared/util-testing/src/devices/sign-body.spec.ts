import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { signMdmBody } from './sign-body';
import { createTestCa, issueDeviceIdentity } from './test-ca';

const ca = createTestCa();
const rsa = issueDeviceIdentity(ca, { keyType: 'rsa' });
const ec = issueDeviceIdentity(ca, { keyType: 'ecdsa' });
const body = Buffer.from('<plist>body</plist>');

function signedData(header: string): pkijs.SignedData {
  return new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(Buffer.from(header, 'base64')).content });
}

describe('signMdmBody', () => {
  it('is shaped like a device signature: detached, one cert, contentType/signingTime/messageDigest in DER order', () => {
    const signingTime = new Date('2026-01-02T03:04:05Z');
    const sd = signedData(signMdmBody(body, rsa, { digest: 'sha1', signingTime }));
    assert.equal(sd.version, 1);
    assert.equal(sd.encapContentInfo.eContent, undefined);
    assert.equal(sd.certificates?.length, 1);
    const [info] = sd.signerInfos;
    assert.ok(info.sid instanceof pkijs.IssuerAndSerialNumber);
    assert.equal(info.digestAlgorithm.algorithmId, '1.3.14.3.2.26');
    assert.equal(info.signatureAlgorithm.algorithmId, '1.2.840.113549.1.1.1');
    const types = info.signedAttrs?.attributes.map((a) => a.type);
    assert.deepEqual(types, ['1.2.840.113549.1.9.3', '1.2.840.113549.1.9.5', '1.2.840.113549.1.9.4']);
    const time = info.signedAttrs?.attributes[1].values[0] as asn1js.UTCTime;
    assert.equal(time.toDate().getTime(), signingTime.getTime());
  });

  for (const [name, identity, options] of [
    ['RSA SHA-256', rsa, {}],
    ['RSA without attributes', rsa, { signedAttributes: false }],
    ['ECDSA SHA-384', ec, { digest: 'sha384' }],
    ['ECDSA without attributes', ec, { signedAttributes: false }],
  ] as const) {
    it(`verifies with pkijs: ${name}`, async () => {
      const sd = signedData(signMdmBody(body, identity, options));
      assert.equal(await sd.verify({ signer: 0, data: new Uint8Array(body).buffer, checkChain: false }), true);
    });
  }

  it('supports the tampering options', () => {
    const sd = signedData(
      signMdmBody(body, rsa, { extraSigners: [ec], extraCertificates: [ca.rootDer], omitSignerCertificate: true, signerIdentifier: 'subjectKeyIdentifier' }),
    );
    assert.equal(sd.version, 3);
    assert.equal(sd.signerInfos.length, 2);
    assert.equal(sd.certificates?.length, 2);
    assert.ok(sd.signerInfos[0].sid instanceof asn1js.Primitive);
  });
});
