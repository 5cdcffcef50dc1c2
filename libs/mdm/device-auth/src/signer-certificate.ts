import { X509Certificate, type KeyObject } from 'node:crypto';
import * as pkijs from 'pkijs';
import type * as asn1js from 'asn1js';
import { BoundedCache } from './bounded-cache';
import { certHash } from './cert-hash';
import { DeviceCertError } from './device-cert.error';

/** What Mdm-Signature verification needs from a certificate, parsed once per distinct DER. */
export interface SignerCertificate {
  readonly der: Buffer;
  readonly issuer: Uint8Array;
  readonly serial: Uint8Array;
  readonly subjectKeyId?: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
}

const SUBJECT_KEY_IDENTIFIER = '2.5.29.14';

/**
 * Identity certificates repeat on every request of a device, and parsing one costs far more than
 * the signature check (ARCHITECTURE §3b). The cache holds only facts derived from the DER, keyed
 * by its SHA-256 — never a verdict on a body — so an entry can never be stale.
 */
const parsed = new BoundedCache<SignerCertificate>(10_000);

export function signerCertificate(der: Uint8Array): SignerCertificate {
  const key = certHash(der);
  const cached = parsed.get(key, 0);
  if (cached) return cached;
  const cert = parse(Buffer.from(der));
  parsed.set(key, cert);
  return cert;
}

function parse(der: Buffer): SignerCertificate {
  try {
    const cert = pkijs.Certificate.fromBER(der);
    const ski = cert.extensions?.find((e) => e.extnID === SUBJECT_KEY_IDENTIFIER)?.parsedValue as
      | asn1js.OctetString
      | undefined;
    return {
      der,
      issuer: new Uint8Array(cert.issuer.valueBeforeDecode),
      // Copies, so the cache never pins a request's buffer.
      serial: new Uint8Array(cert.serialNumber.valueBlock.valueHexView),
      subjectKeyId: ski ? new Uint8Array(ski.valueBlock.valueHexView) : undefined,
      notBefore: cert.notBefore.value,
      notAfter: cert.notAfter.value,
      // OpenSSL extracts the key; it also refuses certificates pkijs would be lenient about.
      publicKey: new X509Certificate(der).publicKey,
    };
  } catch {
    throw new DeviceCertError('verifying Mdm-Signature: unparsable certificate in the CMS certificate set');
  }
}
