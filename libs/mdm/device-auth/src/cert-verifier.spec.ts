import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createTestCa, issueDeviceIdentity } from '@espalier/shared/util-testing';
import { DeviceCertVerifier } from './cert-verifier';
import { DeviceCertError } from './device-cert.error';

const DAY = 86_400_000;
const ca = createTestCa();
const chained = createTestCa({ commonName: 'Chained Root', intermediate: true });
const stranger = createTestCa({ commonName: 'Another Root' });

async function fails(verifier: DeviceCertVerifier, der: Buffer, reason: RegExp): Promise<void> {
  await assert.rejects(verifier.verify(der), (error: unknown) => {
    assert.ok(error instanceof DeviceCertError);
    assert.equal(error.status, 400);
    assert.match(error.message, /^verifying device certificate: /);
    assert.match(error.message, reason);
    return true;
  });
}

describe('DeviceCertVerifier.fromPem', () => {
  it('fails at construction when no root certificate parses', () => {
    assert.throws(() => DeviceCertVerifier.fromPem({ roots: 'not a pem' }), /no root certificate parses/);
  });

  it('fails at construction when intermediates are given but none parses', () => {
    assert.throws(() => DeviceCertVerifier.fromPem({ roots: ca.rootPem, intermediates: 'junk' }), /none parses/);
  });
});

describe('DeviceCertVerifier.verify', () => {
  const verifier = DeviceCertVerifier.fromPem({ roots: ca.rootPem });

  for (const keyType of ['rsa', 'ecdsa'] as const) {
    it(`verifies a ${keyType} identity issued by a configured root`, async () => {
      const identity = issueDeviceIdentity(ca, { keyType, commonName: `dev-${keyType}` });
      const verified = await verifier.verify(identity.certDer);
      assert.deepEqual(verified.der, identity.certDer);
      assert.equal(verified.hash, createHash('sha256').update(identity.certDer).digest('hex'));
      assert.equal(verified.subject, `CN=dev-${keyType}`);
      assert.ok(verified.notBefore < new Date() && verified.notAfter > new Date());
    });
  }

  it('refuses an expired certificate', () => {
    const expired = issueDeviceIdentity(ca, { keyType: 'rsa', notBefore: new Date(Date.now() - 10 * DAY), notAfter: new Date(Date.now() - DAY) });
    return fails(verifier, expired.certDer, /expired or is not yet valid/);
  });

  it('refuses a certificate that is not yet valid', () => {
    const early = issueDeviceIdentity(ca, { keyType: 'ecdsa', notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 10 * DAY) });
    return fails(verifier, early.certDer, /expired or is not yet valid/);
  });

  it('refuses a certificate from another CA', () =>
    fails(verifier, issueDeviceIdentity(stranger, { keyType: 'rsa' }).certDer, /unknown authority/));

  it('refuses a certificate from an impostor CA with the same name as a configured root', () => {
    const impostor = createTestCa(); // same default subject as `ca`, another key
    return fails(verifier, issueDeviceIdentity(impostor, { keyType: 'rsa' }).certDer, /signature does not verify/);
  });

  it('refuses unparsable bytes', () => fails(verifier, Buffer.from('not a certificate'), /unparsable certificate/));

  for (const eku of ['none', 'any', 'clientAuth'] as const) {
    it(`accepts EKU ${eku}`, async () => {
      await verifier.verify(issueDeviceIdentity(ca, { keyType: 'rsa', eku }).certDer);
    });
  }

  it('refuses a serverAuth-only EKU', () =>
    fails(verifier, issueDeviceIdentity(ca, { keyType: 'rsa', eku: 'serverAuth' }).certDer, /extended key usage/));

  it('accepts the root itself (a self-signed identity the operator trusts)', async () => {
    await verifier.verify(ca.rootDer);
  });
});

describe('DeviceCertVerifier with intermediates', () => {
  const identity = issueDeviceIdentity(chained, { keyType: 'rsa' });

  it('validates through an intermediate from the configured pool', async () => {
    const verifier = DeviceCertVerifier.fromPem({ roots: chained.rootPem, intermediates: chained.intermediatePem });
    assert.equal((await verifier.verify(identity.certDer)).hash.length, 64);
  });

  it('fails without the intermediate in the pool (CMS-embedded ones are never consulted)', () =>
    fails(DeviceCertVerifier.fromPem({ roots: chained.rootPem }), identity.certDer, /unknown authority/));

  it('refuses an intermediate offered as a leaf-only root of another chain', () =>
    fails(DeviceCertVerifier.fromPem({ roots: ca.rootPem, intermediates: chained.intermediatePem }), identity.certDer, /unknown authority/));
});

describe('DeviceCertVerifier cache', () => {
  it('serves a second verify of the same certificate from the cache (same result object)', async () => {
    const verifier = DeviceCertVerifier.fromPem({ roots: ca.rootPem });
    const der = issueDeviceIdentity(ca, { keyType: 'rsa' }).certDer;
    const first = await verifier.verify(der);
    assert.equal(await verifier.verify(der), first);
  });

  it('re-validates after the TTL', async () => {
    let now = new Date();
    const verifier = DeviceCertVerifier.fromPem({ roots: ca.rootPem, clock: () => now, cacheTtlMs: 60_000 });
    const der = issueDeviceIdentity(ca, { keyType: 'rsa' }).certDer;
    const first = await verifier.verify(der);
    now = new Date(now.getTime() + 61_000);
    assert.notEqual(await verifier.verify(der), first);
  });

  it('does not serve an expired certificate from the cache', async () => {
    let now = new Date();
    const verifier = DeviceCertVerifier.fromPem({ roots: ca.rootPem, clock: () => now, cacheTtlMs: 10 * DAY });
    const der = issueDeviceIdentity(ca, { keyType: 'ecdsa', notAfter: new Date(now.getTime() + 60_000) }).certDer;
    await verifier.verify(der);
    now = new Date(now.getTime() + 120_000);
    await fails(verifier, der, /expired/);
  });

  it('does not serve from the cache when the clock goes back before the validity', async () => {
    let now = new Date();
    const verifier = DeviceCertVerifier.fromPem({ roots: ca.rootPem, clock: () => now });
    const der = issueDeviceIdentity(ca, { keyType: 'rsa', notBefore: new Date(now.getTime() - 1000) }).certDer;
    await verifier.verify(der);
    now = new Date(now.getTime() - 60_000);
    await fails(verifier, der, /not yet valid/);
  });

  it('does not cache a failure', async () => {
    let now = new Date(Date.now() - 5 * DAY);
    const verifier = DeviceCertVerifier.fromPem({ roots: ca.rootPem, clock: () => now });
    const der = issueDeviceIdentity(ca, { keyType: 'rsa' }).certDer; // valid from yesterday
    await fails(verifier, der, /not yet valid/);
    now = new Date();
    await verifier.verify(der);
  });
});
