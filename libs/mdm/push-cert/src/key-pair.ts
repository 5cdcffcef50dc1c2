import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { PushCertError } from './push-cert.error';

/**
 * NanoMDM's `tls.X509KeyPair(certPEM, keyPEM)` check: the certificate must parse and the key must
 * be its private half. Messages are Go's. Like Go, the key's DER is tried as PKCS#1, PKCS#8 and
 * SEC1 whatever its PEM label says.
 */
export function checkKeyPair(certDer: Buffer, keyDer: Buffer): X509Certificate {
  const certificate = parseCertificate(certDer);
  const key = parsePrivateKey(keyDer);
  const publicType = certificate.publicKey.asymmetricKeyType;
  if (publicType !== 'rsa' && publicType !== 'ec' && publicType !== 'ed25519') {
    throw new PushCertError('tls: unknown public key algorithm');
  }
  if (key.asymmetricKeyType !== publicType) throw new PushCertError('tls: private key type does not match public key type');
  if (!certificate.checkPrivateKey(key)) throw new PushCertError('tls: private key does not match public key');
  return certificate;
}

function parseCertificate(der: Buffer): X509Certificate {
  try {
    return new X509Certificate(der);
  } catch {
    // Go reports the precise x509 parse failure; OpenSSL's reasons differ, so one generic text.
    throw new PushCertError('x509: malformed certificate');
  }
}

function parsePrivateKey(der: Buffer): KeyObject {
  for (const type of ['pkcs1', 'pkcs8', 'sec1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // try the next encoding, as Go's parsePrivateKey does
    }
  }
  throw new PushCertError('tls: failed to parse private key');
}
