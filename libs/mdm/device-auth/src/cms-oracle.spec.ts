import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import forge from 'node-forge';
import { createTestCa, issueDeviceIdentity, signMdmBody, type DeviceIdentity, type SignMdmBodyOptions } from '@espalier/shared/util-testing';
import { certificateFacts, type CertificateFacts } from './certificate-facts';
import { certificateFactsWithPkijs, verifyWithPkijs } from './cms-pkijs.oracle';
import { childrenOf, readTlv, type Tlv } from './der-reader';
import { DeviceCertError } from './device-cert.error';
import { signerFromMdmSignature } from './mdm-signature';

const DAY = 86_400_000;
const ca = createTestCa({ intermediate: true });
const rsa = issueDeviceIdentity(ca, { keyType: 'rsa' });
const ec256 = issueDeviceIdentity(ca, { keyType: 'ecdsa' });
const ec384 = issueDeviceIdentity(ca, { keyType: 'ecdsa', curve: 'P-384' });
const other = issueDeviceIdentity(ca, { keyType: 'rsa' });
const body = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>MessageType</key><string>TokenUpdate</string></dict></plist>\n');
const tampered = Buffer.from(body.toString().replace('TokenUpdate', 'Authenticate'));

type Outcome = { accepted: Buffer } | { rejected: string };

async function outcome(run: () => Promise<Buffer>): Promise<Outcome> {
  try {
    return { accepted: await run() };
  } catch (error) {
    assert.ok(error instanceof DeviceCertError, `not a DeviceCertError: ${String(error)}`);
    return { rejected: error.message };
  }
}

const fast = (header: string, signed: Buffer) => outcome(() => signerFromMdmSignature(header, signed));
const oracle = (header: string, signed: Buffer) => outcome(() => verifyWithPkijs(header, signed));

function forgeSigned(identity: DeviceIdentity, digest: 'sha1' | 'sha256' | 'sha384' | 'sha512', attributes: boolean, signingTime = new Date()): string {
  const p7 = forge.pkcs7.createSignedData();
  p7.content = forge.util.createBuffer(body.toString('binary'));
  p7.addCertificate(identity.certPem);
  p7.addSigner({
    key: forge.pki.privateKeyFromPem(identity.keyPem),
    certificate: identity.certPem,
    digestAlgorithm: forge.pki.oids[digest],
    authenticatedAttributes: attributes
      ? [
          { type: forge.pki.oids.contentType, value: forge.pki.oids.data },
          { type: forge.pki.oids.messageDigest },
          { type: forge.pki.oids.signingTime, value: signingTime as unknown as string },
        ]
      : [],
  });
  p7.sign({ detached: true });
  return forge.util.encode64(forge.asn1.toDer(p7.toAsn1()).getBytes());
}

/**
 * Re-encodes the CMS envelope with BER indefinite lengths, as devices do: ContentInfo, its [0],
 * SignedData, encapContentInfo, the certificate set, the SignerInfo set and each SignerInfo.
 * Certificates and signed attributes stay DER.
 */
function withIndefiniteLengths(header: string): string {
  const der = Buffer.from(header, 'base64');
  const encode = (tlv: Tlv, depth: number, path: string): Buffer => {
    const indefinite = depth <= 2 || (path === 'signedData' && tlv.tag !== 0x02) || path === 'signerInfos';
    if (!indefinite || (tlv.tag & 0x20) === 0) return der.subarray(tlv.start, tlv.end);
    const childPath = depth === 2 ? 'signedData' : path === 'signedData' && tlv.tag === 0x31 ? 'signerInfos' : depth < 2 ? '' : 'inner';
    const children = childrenOf(der, tlv).map((child) => encode(child, depth + 1, childPath));
    return Buffer.concat([Buffer.from([tlv.tag, 0x80]), ...children, Buffer.from([0, 0])]);
  };
  return encode(readTlv(der, 0, der.length), 0, '').toString('base64');
}

describe('signerFromMdmSignature agrees with the pkijs oracle', () => {
  const corpus: [string, string, Buffer][] = [];
  const add = (name: string, header: string, signed = body) => corpus.push([name, header, signed]);
  const pkijsCases: [string, DeviceIdentity, SignMdmBodyOptions][] = [];
  for (const [keyName, identity] of [['RSA', rsa], ['ECDSA P-256', ec256], ['ECDSA P-384', ec384]] as const) {
    for (const digest of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
      pkijsCases.push([`${keyName} ${digest}`, identity, { digest }]);
      pkijsCases.push([`${keyName} ${digest} no signed attributes`, identity, { digest, signedAttributes: false }]);
    }
    pkijsCases.push([`${keyName} by subject key identifier`, identity, { signerIdentifier: 'subjectKeyIdentifier' }]);
    pkijsCases.push([`${keyName} wrong signer key`, identity, { signerOverride: { privateKey: other.privateKey } }]);
    pkijsCases.push([`${keyName} two signers`, identity, { extraSigners: [other] }]);
    pkijsCases.push([`${keyName} signing time before validity`, identity, { signingTime: new Date(Date.now() - 3 * DAY) }]);
    pkijsCases.push([`${keyName} signing time after validity`, identity, { signingTime: new Date(Date.now() + 60 * DAY) }]);
    pkijsCases.push([`${keyName} without its certificate`, identity, { omitSignerCertificate: true, extraCertificates: [other.certDer] }]);
    pkijsCases.push([`${keyName} with extra certificates`, identity, { extraCertificates: [ca.intermediateDer as Buffer, ca.rootDer] }]);
  }
  for (const [name, identity, options] of pkijsCases) {
    const header = signMdmBody(body, identity, options);
    add(`pkijs-made, ${name}`, header);
    add(`pkijs-made, ${name}, tampered body`, header, tampered);
    add(`pkijs-made, ${name}, BER indefinite lengths`, withIndefiniteLengths(header));
  }
  for (const digest of ['sha1', 'sha256', 'sha384', 'sha512'] as const) {
    for (const attributes of [true, false]) {
      const header = forgeSigned(rsa, digest, attributes);
      const name = `forge-made, RSA ${digest}${attributes ? '' : ' no signed attributes'}`;
      add(name, header);
      add(`${name}, tampered body`, header, tampered);
      add(`${name}, BER indefinite lengths`, withIndefiniteLengths(header));
    }
  }
  add('forge-made, signing time outside validity', forgeSigned(rsa, 'sha256', true, new Date(Date.now() + 60 * DAY)));

  for (const [name, header, signed] of corpus) {
    it(name, async () => {
      assert.deepEqual(await fast(header, signed), await oracle(header, signed));
    });
  }

  it('accepts what it should (the corpus is not all rejections)', async () => {
    const accepted = await Promise.all(corpus.map(async ([, header, signed]) => 'accepted' in (await fast(header, signed))));
    assert.ok(accepted.filter(Boolean).length >= 40);
  });
});

/** mulberry32: a seeded generator, so a fuzz failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('signerFromMdmSignature under mutation', () => {
  const seeds: [string, string][] = [
    ['RSA sha256', signMdmBody(body, rsa)],
    ['ECDSA sha256', signMdmBody(body, ec256)],
    ['RSA no signed attributes', signMdmBody(body, rsa, { signedAttributes: false })],
    ['RSA BER', withIndefiniteLengths(signMdmBody(body, rsa))],
  ];
  for (const [name, header] of seeds) {
    it(`only ever throws DeviceCertError, and accepts nothing pkijs refuses: ${name}`, { timeout: 60_000 }, async () => {
      const next = random(name.length * 7919);
      const original = Buffer.from(header, 'base64');
      for (let round = 0; round < 300; round++) {
        const bytes = Buffer.from(original);
        let mutated: Buffer;
        const kind = round % 3;
        if (kind === 0) {
          for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--) bytes[Math.floor(next() * bytes.length)] ^= 1 + Math.floor(next() * 255);
          mutated = bytes;
        } else if (kind === 1) {
          mutated = bytes.subarray(0, Math.floor(next() * bytes.length));
        } else {
          const at = Math.floor(next() * bytes.length);
          mutated = Buffer.concat([bytes.subarray(0, at), Buffer.from([Math.floor(next() * 256)]), bytes.subarray(at)]);
        }
        const encoded = mutated.toString('base64');
        const result = await fast(encoded, body);
        if ('accepted' in result) {
          const reference = await outcome(() => verifyWithPkijs(encoded, body)).catch(() => ({ rejected: 'oracle crashed' }));
          assert.deepEqual(reference, result, `round ${round}: accepted what pkijs does not`);
        }
      }
    });
  }

  it('terminates on deeply nested indefinite lengths', async () => {
    const nested = Buffer.concat([Buffer.alloc(2000).fill(Buffer.from([0x30, 0x80])), Buffer.alloc(4000)]);
    const result = await fast(nested.toString('base64'), body);
    assert.ok('rejected' in result && /not a DER\/BER structure/.test(result.rejected));
  });
});

describe('certificateFacts agrees with pkijs', () => {
  const chained = createTestCa({ commonName: 'Facts Root', intermediate: true });
  const certificates: [string, Buffer][] = [
    ['root', chained.rootDer],
    ['intermediate', chained.intermediateDer as Buffer],
    ...(['none', 'any', 'clientAuth', 'serverAuth'] as const).map((eku): [string, Buffer] => [`RSA leaf, EKU ${eku}`, issueDeviceIdentity(chained, { keyType: 'rsa', eku }).certDer]),
    ...(['none', 'clientAuth'] as const).map((eku): [string, Buffer] => [`ECDSA leaf, EKU ${eku}`, issueDeviceIdentity(chained, { keyType: 'ecdsa', eku }).certDer]),
  ];
  for (const [name, der] of certificates) {
    it(name, () => {
      const view = (facts: Omit<CertificateFacts, 'der' | 'x509' | 'publicKey' | 'unhandledCritical'>) => ({
        issuer: Buffer.from(facts.issuer).toString('hex'),
        serial: Buffer.from(facts.serial).toString('hex'),
        subjectKeyId: facts.subjectKeyId && Buffer.from(facts.subjectKeyId).toString('hex'),
        notBefore: facts.notBefore,
        notAfter: facts.notAfter,
        isCa: facts.isCa,
        pathLen: facts.pathLen,
        extKeyUsages: facts.extKeyUsages,
        signatureAlgorithm: facts.signatureAlgorithm,
        hasNameConstraints: facts.hasNameConstraints,
      });
      assert.deepEqual(view(certificateFacts(der)), view(certificateFactsWithPkijs(der)));
    });
  }
});
