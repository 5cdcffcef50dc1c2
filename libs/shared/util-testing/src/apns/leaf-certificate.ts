import { generateKeyPairSync } from 'node:crypto';
import forge from 'node-forge';
import { certificateDerToPem, serialHex } from '../devices/pem';
import type { TestIssuer } from '../devices/test-ca';

export interface LeafSpec {
  readonly subject: forge.pki.CertificateField[];
  readonly extensions: object[];
  readonly notAfter?: Date;
}

export interface LeafCertificate {
  readonly certPem: string;
  readonly keyPem: string;
}

const DAY_MS = 86_400_000;

/**
 * Issues an RSA-2048 end-entity certificate from a test issuer. The key comes from node:crypto
 * because forge's pure-JS key generation takes seconds.
 */
export function issueLeafCertificate(issuer: TestIssuer, spec: LeafSpec): LeafCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
  cert.serialNumber = serialHex();
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = spec.notAfter ?? new Date(Date.now() + 30 * DAY_MS);
  cert.setSubject(spec.subject);
  cert.setIssuer(issuer.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'subjectKeyIdentifier' },
    ...spec.extensions,
  ]);
  cert.sign(issuer.forgeKey, forge.md.sha256.create());
  const der = Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
  return {
    certPem: certificateDerToPem(der),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}
