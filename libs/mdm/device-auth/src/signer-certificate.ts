import { cachedCertificateFacts, type CertificateFacts } from './certificate-facts';
import { DeviceCertError } from './device-cert.error';

/** What Mdm-Signature verification needs from a certificate, parsed once per distinct DER. */
export type SignerCertificate = Pick<
  CertificateFacts,
  'der' | 'issuer' | 'serial' | 'subjectKeyId' | 'notBefore' | 'notAfter' | 'publicKey'
>;

/**
 * Identity certificates repeat on every request of a device, and parsing one costs far more than
 * the signature check (ARCHITECTURE §3b). The facts are cached by the certificate's SHA-256 and
 * shared with DeviceCertVerifier, so a new certificate is parsed once for both steps.
 */
export function signerCertificate(der: Uint8Array): SignerCertificate {
  try {
    return cachedCertificateFacts(der);
  } catch {
    throw new DeviceCertError('verifying Mdm-Signature: unparsable certificate in the CMS certificate set');
  }
}
