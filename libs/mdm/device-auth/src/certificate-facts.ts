import { X509Certificate, type KeyObject } from 'node:crypto';
import { BoundedCache } from './bounded-cache';
import { certHash } from './cert-hash';
import {
  childrenOf,
  contentOf,
  DerError,
  encodingOf,
  expectTlv,
  readBoolean,
  readOid,
  readSmallInteger,
  readTime,
  readTlv,
  TAG,
  type Tlv,
} from './der-reader';

/**
 * A certificate as Mdm-Signature verification and path validation see it: OpenSSL's object for
 * signatures and names, and the few fields both need read straight from the DER.
 */
export interface CertificateFacts {
  readonly der: Buffer;
  readonly x509: X509Certificate;
  /** Taken once: X509Certificate#publicKey builds a new KeyObject on every access. */
  readonly publicKey: KeyObject;
  /** The issuer Name's exact DER (tag included), as a CMS IssuerAndSerialNumber carries it. */
  readonly issuer: Uint8Array;
  /** The serial INTEGER's content octets as encoded. */
  readonly serial: Uint8Array;
  readonly subjectKeyId?: Uint8Array;
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
  subjectKeyIdentifier: '2.5.29.14',
  basicConstraints: '2.5.29.19',
  extKeyUsage: '2.5.29.37',
  nameConstraints: '2.5.29.30',
} as const;

/** Extensions Go's crypto/x509 handles, so their criticality does not fail verification there. */
const HANDLED = new Set([
  '2.5.29.14', '2.5.29.15', '2.5.29.17', '2.5.29.19', '2.5.29.30', '2.5.29.31',
  '2.5.29.32', '2.5.29.33', '2.5.29.35', '2.5.29.36', '2.5.29.37', '2.5.29.54',
]);

/**
 * Facts depend only on the DER, so they are parsed once per distinct certificate (keyed by its
 * SHA-256) and shared by the Mdm-Signature check and chain validation: a new device certificate
 * costs one X509Certificate, not one per step. An entry holds no verdict and can never be stale.
 */
const cache = new BoundedCache<CertificateFacts>(10_000);

/** Cached certificateFacts; `hash` is certHash(der) when the caller already has it. */
export function cachedCertificateFacts(der: Uint8Array, hash = certHash(der)): CertificateFacts {
  const hit = cache.get(hash, 0);
  if (hit) return hit;
  const facts = certificateFacts(Buffer.from(der)); // a copy, so the cache never pins a request's buffer
  cache.set(hash, facts);
  return facts;
}

/** Throws on anything OpenSSL or the DER reader refuses; callers turn that into their own error. */
export function certificateFacts(der: Buffer): CertificateFacts {
  const x509 = new X509Certificate(der);
  const fields = readCertificate(der);
  return { der, x509, publicKey: x509.publicKey, ...fields };
}

type DerFields = Omit<CertificateFacts, 'der' | 'x509' | 'publicKey'>;

/**
 * Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
 * TBSCertificate ::= SEQUENCE { [0] version OPTIONAL, serialNumber, signature, issuer, validity,
 *   subject, subjectPublicKeyInfo, [1] issuerUniqueID OPTIONAL, [2] subjectUniqueID OPTIONAL, [3] extensions OPTIONAL }
 */
function readCertificate(der: Uint8Array): DerFields {
  const outer = expectTlv(der, 0, der.byteLength, TAG.sequence);
  if (outer.end !== der.byteLength) throw new DerError('trailing bytes after the certificate');
  const [tbs, signatureAlgorithm, signatureValue, ...extra] = childrenOf(der, outer);
  if (!tbs || tbs.tag !== TAG.sequence || signatureValue?.tag !== TAG.bitString || extra.length > 0) {
    throw new DerError('not an X.509 certificate');
  }
  const fields = childrenOf(der, tbs);
  let i = fields[0]?.tag === 0xa0 ? 1 : 0;
  const [serial, innerAlgorithm, issuer, validity, subject, spki] = fields.slice(i, i + 6);
  if (serial?.tag !== TAG.integer || innerAlgorithm?.tag !== TAG.sequence || issuer?.tag !== TAG.sequence || validity?.tag !== TAG.sequence) throw new DerError('bad TBSCertificate');
  if (subject?.tag !== TAG.sequence || spki?.tag !== TAG.sequence) throw new DerError('bad TBSCertificate');
  const [notBefore, notAfter, ...moreTimes] = childrenOf(der, validity);
  if (!notBefore || !notAfter || moreTimes.length > 0) throw new DerError('bad validity');
  i += 6;
  let extensions: Tlv | undefined;
  for (const [index, tag] of [0x81, 0x82, 0xa3].entries()) {
    if (fields[i]?.tag !== tag) continue;
    if (index === 2) extensions = fields[i];
    i++;
  }
  if (i !== fields.length) throw new DerError('unexpected field in TBSCertificate');
  return {
    issuer: encodingOf(der, issuer),
    serial: contentOf(der, serial),
    notBefore: readTime(der, notBefore),
    notAfter: readTime(der, notAfter),
    signatureAlgorithm: algorithmOid(der, signatureAlgorithm),
    ...readExtensions(der, extensions),
  };
}

function algorithmOid(der: Uint8Array, algorithm: Tlv | undefined): string {
  if (algorithm?.tag !== TAG.sequence) throw new DerError('bad AlgorithmIdentifier');
  const [oid] = childrenOf(der, algorithm);
  if (!oid) throw new DerError('bad AlgorithmIdentifier');
  return readOid(der, oid);
}

type ExtensionFields = Pick<DerFields, 'subjectKeyId' | 'isCa' | 'pathLen' | 'extKeyUsages' | 'hasNameConstraints' | 'unhandledCritical'>;

/** [3] EXPLICIT Extensions ::= SEQUENCE OF Extension { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
function readExtensions(der: Uint8Array, wrapper: Tlv | undefined): ExtensionFields {
  const result: { -readonly [K in keyof ExtensionFields]: ExtensionFields[K] } = {
    isCa: false,
    hasNameConstraints: false,
    unhandledCritical: [],
  };
  if (!wrapper) return result;
  const [list, ...rest] = childrenOf(der, wrapper);
  if (list?.tag !== TAG.sequence || rest.length > 0) throw new DerError('bad extensions');
  const unhandled: string[] = [];
  for (const extension of childrenOf(der, list)) {
    if (extension.tag !== TAG.sequence) throw new DerError('bad extension');
    const parts = childrenOf(der, extension);
    if (parts.length !== 2 && parts.length !== 3) throw new DerError('bad extension');
    const id = readOid(der, parts[0]);
    const critical = parts.length === 3 ? readBoolean(der, parts[1]) : false;
    const value = parts[parts.length - 1];
    if (value.tag !== TAG.octetString) throw new DerError('bad extension');
    if (critical && !HANDLED.has(id)) unhandled.push(id);
    const inner = () => {
      const tlv = readTlv(der, value.contentStart, value.contentEnd);
      if (tlv.end !== value.contentEnd) throw new DerError('trailing bytes in an extension value');
      return tlv;
    };
    switch (id) {
      case EXT.subjectKeyIdentifier: {
        const keyId = inner();
        if (keyId.tag !== TAG.octetString) throw new DerError('bad subject key identifier');
        result.subjectKeyId = contentOf(der, keyId);
        break;
      }
      case EXT.basicConstraints: {
        const fields = childrenOf(der, expectSequence(inner()));
        let next = 0;
        if (fields[next]?.tag === TAG.boolean) result.isCa = readBoolean(der, fields[next++]);
        if (fields[next]?.tag === TAG.integer) result.pathLen = readSmallInteger(der, fields[next++]);
        if (next !== fields.length) throw new DerError('bad basic constraints');
        break;
      }
      case EXT.extKeyUsage:
        result.extKeyUsages = childrenOf(der, expectSequence(inner())).map((oid) => readOid(der, oid));
        break;
      case EXT.nameConstraints:
        result.hasNameConstraints = true;
        break;
    }
  }
  result.unhandledCritical = unhandled;
  return result;
}

function expectSequence(tlv: Tlv): Tlv {
  if (tlv.tag !== TAG.sequence) throw new DerError('expected a SEQUENCE');
  return tlv;
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
