import { readCertAndKey } from './cert-and-key';
import { certificateFields } from './certificate-fields';
import { goQuote } from './go-quote';
import { checkKeyPair } from './key-pair';
import { encodePem } from './pem-decode';
import { PushCertError } from './push-cert.error';

/** An accepted APNs push certificate upload, ready to store under its topic. */
export interface PushCertUpload {
  /** The Subject UID, e.g. `com.apple.mgmt.External.…`: the key push certificates are stored by. */
  readonly topic: string;
  readonly notAfter: Date;
  /** Just the certificate block, re-encoded as Go's pem.EncodeToMemory writes it. */
  readonly certificatePem: string;
  /** Just the private key block, re-encoded likewise. */
  readonly privateKeyPem: string;
}

// Apple's MDM push topics all carry this prefix; NanoMDM refuses anything else.
const TOPIC_PREFIX = 'com.apple.mgmt';

/**
 * NanoMDM's `PUT /v1/pushcert` validation (nanomdm-behavior §3.5), in its order: split the PEM
 * blocks, load the pair as a TLS keypair, then read the topic. Throws PushCertError (400).
 */
export function parsePushCertUpload(body: Buffer | string): PushCertUpload {
  const { certificate, privateKey } = readCertAndKey(body);
  // Go's tls.X509KeyPair texts for an empty certificate or key input.
  if (!certificate) throw new PushCertError('tls: failed to find any PEM data in certificate input');
  if (!privateKey) throw new PushCertError('tls: failed to find any PEM data in key input');
  const x509 = checkKeyPair(certificate.bytes, privateKey.bytes);
  const fields = readFields(x509.raw);
  return {
    topic: topicFrom(fields.uid),
    notAfter: fields.notAfter,
    certificatePem: encodePem(certificate),
    privateKeyPem: encodePem(privateKey),
  };
}

function readFields(der: Buffer): ReturnType<typeof certificateFields> {
  try {
    return certificateFields(der);
  } catch {
    throw new PushCertError('x509: malformed certificate');
  }
}

/** NanoMDM's cryptoutil.TopicFromCert: the first UID decides, valid or not. */
function topicFrom(uid: string | undefined): string {
  if (uid === undefined) throw new PushCertError('no APNs Topic found');
  if (!uid.startsWith(TOPIC_PREFIX)) throw new PushCertError(`invalid APNs Topic: ${goQuote(uid)}`);
  return uid;
}
