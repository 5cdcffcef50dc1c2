import { createHash, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import { ACCEPTED_CURVES, digestByOid, signatureFamilyByOid, type DigestName } from './cms-algorithms';
import { parseCmsSignedData, signingTimeOf, type SignedAttributesParts, type SignerIdentifier, type SignerInfoParts } from './cms-der';
import { DeviceCertError } from './device-cert.error';
import { signerCertificate, type SignerCertificate } from './signer-certificate';
import { decodeStrictBase64 } from './strict-base64';

/** A device sends its identity (and perhaps a chain); beyond this it is no device, only parsing cost. */
const MAX_CERTIFICATES = 8;

/**
 * Verifies an `Mdm-Signature` header against the exact request body and returns the signer
 * certificate's DER (NanoMDM §8.1). This proves possession of the certificate's key only; whether
 * the certificate is trusted is DeviceCertVerifier's job. Every failure is a DeviceCertError (400).
 * https://developer.apple.com/documentation/devicemanagement/implementing-device-management (Mdm-Signature)
 *
 * The CMS is read by cms-der.ts (offsets into the decoded header, no object tree) and certificate
 * facts come from a per-hash cache, so a request from a known certificate costs base64, one
 * digest and one signature verification. cms-pkijs.oracle.ts keeps the pkijs-based reading as
 * the reference the specs compare this with.
 */
export async function signerFromMdmSignature(headerValue: string, body: Buffer): Promise<Buffer> {
  const { certificates, signerInfos } = parseCmsSignedData(decodeBase64(headerValue));
  // Exactly one signer, as NanoMDM's GetOnlySigner: with two, which identity would the request be?
  if (signerInfos.length !== 1) throw invalid(`expected exactly one signer, found ${signerInfos.length}`);
  const [info] = signerInfos;
  if (certificates.length > MAX_CERTIFICATES) throw invalid(`too many certificates (${certificates.length})`);
  const signer = findSigner(info.sid, certificates);
  const digest = digestByOid(info.digestAlgorithm);
  if (!digest) throw invalid(`unsupported digest algorithm ${info.digestAlgorithm}`);
  const signed = info.signedAttrs ? checkedSignedAttributes(info.signedAttrs, body, digest, signer) : body;
  checkSignature(info, signer, digest, signed);
  return signer.der;
}

function decodeBase64(value: string): Buffer {
  const der = decodeStrictBase64(value);
  if (!der) throw invalid('header is not valid base64');
  return der;
}

/** The signer is named by issuer and serial (what devices use) or by subject key identifier. */
function findSigner(sid: SignerIdentifier, certificates: readonly Uint8Array[]): SignerCertificate {
  for (const der of certificates) {
    const cert = signerCertificate(der);
    if (sid.kind === 'issuerAndSerial' ? sameBytes(sid.issuer, cert.issuer) && sameBytes(sid.serial, cert.serial) : cert.subjectKeyId !== undefined && sameBytes(sid.keyId, cert.subjectKeyId)) {
      return cert;
    }
  }
  throw invalid('no certificate for the signer in the CMS certificate set');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(a, b) === 0;
}

/** Returns the bytes the signature covers once the attributes have been checked against the body. */
function checkedSignedAttributes(attrs: SignedAttributesParts, body: Buffer, digest: DigestName, signer: SignerCertificate): Buffer {
  if (!attrs.messageDigest) throw invalid('signed attributes lack the message digest');
  const signingTime = attrs.signingTime ? signingTimeOf(attrs.signingTime) : undefined;
  const actual = createHash(digest).update(body).digest();
  // Constant time is cheap here; the digest of attacker-chosen bodies should not leak via timing.
  if (actual.length !== attrs.messageDigest.byteLength || !timingSafeEqual(actual, attrs.messageDigest)) {
    throw invalid('message digest does not match the body');
  }
  // NanoMDM compares signing-time with the signer's own validity, not with the clock (§8.1).
  if (signingTime && (signingTime < signer.notBefore || signingTime > signer.notAfter)) {
    throw invalid(`signing time ${signingTime.toISOString()} is outside the signer certificate's validity`);
  }
  // The attributes' DER re-tagged as SET OF (0x31): the bytes the signature covers (RFC 5652 §5.4).
  const signedBytes = Buffer.from(attrs.encoded); // a copy: the header's bytes stay as received
  signedBytes[0] = 0x31;
  return signedBytes;
}

function checkSignature(info: SignerInfoParts, signer: SignerCertificate, digest: DigestName, signed: Buffer): void {
  const family = signatureFamilyByOid(info.signatureAlgorithm);
  if (!family) throw invalid(`unsupported signature algorithm ${info.signatureAlgorithm}`);
  const key = signer.publicKey;
  if (key.asymmetricKeyType !== family) throw invalid(`signature algorithm does not fit the signer's ${key.asymmetricKeyType} key`);
  if (family === 'ec' && !ACCEPTED_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '')) {
    throw invalid('signer key is on an unsupported curve');
  }
  // RSA keys default to PKCS#1 v1.5 and EC signatures to DER (r, s) — exactly the CMS encodings.
  if (!verifies(digest, signed, key, info.signature)) throw invalid('signature does not verify with the signer certificate');
}

function verifies(digest: DigestName, signed: Buffer, key: KeyObject, signature: Uint8Array): boolean {
  try {
    return verify(digest, signed, key, signature);
  } catch {
    return false; // OpenSSL refusing the signature's encoding is a failed verification, not a crash
  }
}

function invalid(reason: string): DeviceCertError {
  return new DeviceCertError(`verifying Mdm-Signature: ${reason}`);
}
