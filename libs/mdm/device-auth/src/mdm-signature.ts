import { createHash, timingSafeEqual, verify } from 'node:crypto';
import * as pkijs from 'pkijs';
import { ACCEPTED_CURVES, digestByOid, signatureFamilyByOid, type DigestName } from './cms-algorithms';
import { parseSignedData } from './cms-signed-data';
import { DeviceCertError } from './device-cert.error';
import { readSignedAttributes } from './signed-attributes';
import { signerCertificate, type SignerCertificate } from './signer-certificate';
import { decodeStrictBase64 } from './strict-base64';

/** A device sends its identity (and perhaps a chain); beyond this it is no device, only parsing cost. */
const MAX_CERTIFICATES = 8;

/**
 * Verifies an `Mdm-Signature` header against the exact request body and returns the signer
 * certificate's DER (NanoMDM §8.1). This proves possession of the certificate's key only; whether
 * the certificate is trusted is DeviceCertVerifier's job. Every failure is a DeviceCertError (400).
 * https://developer.apple.com/documentation/devicemanagement/implementing-device-management (Mdm-Signature)
 */
export async function signerFromMdmSignature(headerValue: string, body: Buffer): Promise<Buffer> {
  const { certificates, signerInfos } = parseSignedData(decodeBase64(headerValue));
  // Exactly one signer, as NanoMDM's GetOnlySigner: with two, which identity would the request be?
  if (signerInfos.length !== 1) throw invalid(`expected exactly one signer, found ${signerInfos.length}`);
  const [info] = signerInfos;
  if (certificates.length > MAX_CERTIFICATES) throw invalid(`too many certificates (${certificates.length})`);
  const signer = findSigner(info, certificates);
  const digest = digestByOid(info.digestAlgorithm.algorithmId);
  if (!digest) throw invalid(`unsupported digest algorithm ${info.digestAlgorithm.algorithmId}`);
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
function findSigner(info: pkijs.SignerInfo, certificates: readonly Uint8Array[]): SignerCertificate {
  const matches = byIssuerAndSerial(info.sid) ?? bySubjectKeyId(info.sid);
  for (const der of certificates) {
    const cert = signerCertificate(der);
    if (matches(cert)) return cert;
  }
  throw invalid('no certificate for the signer in the CMS certificate set');
}

function byIssuerAndSerial(sid: unknown): ((cert: SignerCertificate) => boolean) | undefined {
  if (!(sid instanceof pkijs.IssuerAndSerialNumber)) return undefined;
  const issuer = Buffer.from(sid.issuer.valueBeforeDecode);
  const serial = Buffer.from(sid.serialNumber.valueBlock.valueHexView);
  return (cert) => issuer.equals(cert.issuer) && serial.equals(cert.serial);
}

function bySubjectKeyId(sid: unknown): (cert: SignerCertificate) => boolean {
  const view = (sid as { valueBlock?: { valueHexView?: Uint8Array } }).valueBlock?.valueHexView;
  if (!view || view.byteLength === 0) throw invalid('signer identifier is neither issuer-and-serial nor a key identifier');
  const keyId = Buffer.from(view);
  return (cert) => cert.subjectKeyId !== undefined && keyId.equals(cert.subjectKeyId);
}

/** Returns the bytes the signature covers once the attributes have been checked against the body. */
function checkedSignedAttributes(
  attrs: pkijs.SignedAndUnsignedAttributes,
  body: Buffer,
  digest: DigestName,
  signer: SignerCertificate,
): Buffer {
  const { signedBytes, messageDigest, signingTime } = readSignedAttributes(attrs);
  const actual = createHash(digest).update(body).digest();
  // Constant time is cheap here; the digest of attacker-chosen bodies should not leak via timing.
  if (actual.length !== messageDigest.byteLength || !timingSafeEqual(actual, messageDigest)) {
    throw invalid('message digest does not match the body');
  }
  // NanoMDM compares signing-time with the signer's own validity, not with the clock (§8.1).
  if (signingTime && (signingTime < signer.notBefore || signingTime > signer.notAfter)) {
    throw invalid(`signing time ${signingTime.toISOString()} is outside the signer certificate's validity`);
  }
  return signedBytes;
}

function checkSignature(info: pkijs.SignerInfo, signer: SignerCertificate, digest: DigestName, signed: Buffer): void {
  const family = signatureFamilyByOid(info.signatureAlgorithm.algorithmId);
  if (!family) throw invalid(`unsupported signature algorithm ${info.signatureAlgorithm.algorithmId}`);
  const key = signer.publicKey;
  if (key.asymmetricKeyType !== family) throw invalid(`signature algorithm does not fit the signer's ${key.asymmetricKeyType} key`);
  if (family === 'ec' && !ACCEPTED_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '')) {
    throw invalid('signer key is on an unsupported curve');
  }
  // RSA keys default to PKCS#1 v1.5 and EC signatures to DER (r, s) — exactly the CMS encodings.
  const signature = info.signature.valueBlock.valueHexView;
  if (!verify(digest, signed, key, signature)) throw invalid('signature does not verify with the signer certificate');
}

function invalid(reason: string): DeviceCertError {
  return new DeviceCertError(`verifying Mdm-Signature: ${reason}`);
}
