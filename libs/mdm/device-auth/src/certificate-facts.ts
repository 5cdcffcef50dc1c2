import { X509Certificate } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/** A certificate as path validation sees it: OpenSSL's object for signatures, pkijs for the rest. */
export interface CertificateFacts {
  readonly der: Buffer;
  readonly x509: X509Certificate;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly isCa: boolean;
  readonly pathLen?: number;
  /** undefined when the certificate has no EKU extension (which permits any usage). */
  readonly extKeyUsages?: readonly string[];
  readonly signatureAlgorithm: string;
  readonly hasNameConstraints: boolean;
  /** Critical extensions Go's x509 would not understand: such a certificate must be refused. */
  readonly unhandledCritical: readonly string[];
}

const EXT = {
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  nameConstraints: '2.5.29.30',
} as const;

/** Extensions Go's crypto/x509 handles, so their criticality does not fail verification there. */
const HANDLED = new Set([
  '2.5.29.14', '2.5.29.15', '2.5.29.17', '2.5.29.19', '2.5.29.30', '2.5.29.31',
  '2.5.29.32', '2.5.29.33', '2.5.29.35', '2.5.29.36', '2.5.29.37', '2.5.29.54',
]);

/** Throws on anything either parser refuses; callers turn that into their own error. */
export function certificateFacts(der: Buffer): CertificateFacts {
  const x509 = new X509Certificate(der);
  const cert = pkijs.Certificate.fromBER(der);
  const extensions = cert.extensions ?? [];
  const find = (oid: string) => extensions.find((e) => e.extnID === oid);
  const constraints = find(EXT.basicConstraints)?.parsedValue as pkijs.BasicConstraints | undefined;
  const eku = find(EXT.extKeyUsage)?.parsedValue as pkijs.ExtKeyUsage | undefined;
  return {
    der,
    x509,
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    isCa: constraints?.cA === true,
    pathLen: pathLen(constraints?.pathLenConstraint),
    extKeyUsages: eku ? [...eku.keyPurposes] : undefined,
    signatureAlgorithm: cert.signatureAlgorithm.algorithmId,
    hasNameConstraints: find(EXT.nameConstraints) !== undefined,
    unhandledCritical: extensions.filter((e) => e.critical && !HANDLED.has(e.extnID)).map((e) => e.extnID),
  };
}

function pathLen(value: number | asn1js.Integer | undefined): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'number' ? value : value.valueBlock.valueDec;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** Every CERTIFICATE block that parses; others are skipped, like Go's AppendCertsFromPEM. */
export function certificatesFromPem(pem: string): CertificateFacts[] {
  const found: CertificateFacts[] = [];
  for (const match of pem.matchAll(PEM_CERTIFICATE)) {
    try {
      found.push(certificateFacts(Buffer.from(match[1].replace(/\s/g, ''), 'base64')));
    } catch {
      // skipped: a bundle with one bad block still loads the others (Go does the same)
    }
  }
  return found;
}
