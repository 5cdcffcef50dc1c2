import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createTestCa, issueDeviceIdentity } from './test-ca';

describe('createTestCa / issueDeviceIdentity', () => {
  const ca = createTestCa({ intermediate: true });
  const root = new X509Certificate(ca.rootDer);
  const intermediate = new X509Certificate(ca.intermediateDer as Buffer);

  it('makes a self-signed CA root and an intermediate it signed', () => {
    assert.ok(root.ca && root.checkIssued(root) && root.verify(root.publicKey));
    assert.ok(intermediate.ca && intermediate.checkIssued(root) && intermediate.verify(root.publicKey));
    assert.equal(ca.intermediatePem, intermediate.toString());
  });

  for (const keyType of ['rsa', 'ecdsa'] as const) {
    it(`issues a ${keyType} identity signed by the intermediate, with a matching key`, () => {
      const identity = issueDeviceIdentity(ca, { keyType, commonName: 'my-device' });
      const cert = new X509Certificate(identity.certDer);
      assert.equal(cert.subject, 'CN=my-device');
      assert.ok(cert.checkIssued(intermediate) && cert.verify(intermediate.publicKey));
      assert.ok(cert.checkPrivateKey(identity.privateKey));
      assert.equal(cert.publicKey.asymmetricKeyType, keyType === 'rsa' ? 'rsa' : 'ec');
      assert.equal(new X509Certificate(identity.certPem).fingerprint256, cert.fingerprint256);
      assert.equal(cert.ca, false);
    });
  }

  it('sets the requested validity and EKU', () => {
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const notAfter = new Date('2031-01-01T00:00:00Z');
    for (const keyType of ['rsa', 'ecdsa'] as const) {
      const cert = (eku: 'clientAuth' | 'serverAuth' | 'any' | 'none') =>
        new X509Certificate(issueDeviceIdentity(ca, { keyType, eku, notBefore, notAfter }).certDer);
      assert.deepEqual(cert('clientAuth').keyUsage, ['1.3.6.1.5.5.7.3.2']);
      assert.deepEqual(cert('serverAuth').keyUsage, ['1.3.6.1.5.5.7.3.1']);
      assert.deepEqual(cert('any').keyUsage, ['2.5.29.37.0']);
      assert.equal(cert('none').keyUsage, undefined);
      assert.equal(new Date(cert('none').validFrom).getTime(), notBefore.getTime());
      assert.equal(new Date(cert('none').validTo).getTime(), notAfter.getTime());
    }
  });

  it('issues from the root when there is no intermediate', () => {
    const plain = createTestCa();
    const cert = new X509Certificate(issueDeviceIdentity(plain, { keyType: 'ecdsa', curve: 'P-384' }).certDer);
    assert.ok(cert.verify(new X509Certificate(plain.rootDer).publicKey));
    assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'secp384r1');
  });
});
