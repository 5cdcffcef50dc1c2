/**
 * The pkijs/asn1js reading of an Mdm-Signature that production used before cms-der.ts: kept as
 * the ORACLE the specs compare the fast path with (cms-oracle.spec.ts). Not used at run time —
 * it costs ~1 ms per request. Same checks, same order, same messages as mdm-signature.ts.
 */
import { createHash, timingSafeEqual, verify, X509Certificate, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ACCEPTED_CURVES, CMS_OID, digestByOid, signatureFamilyByOid, type DigestName } from './cms-algorithms';
import { DeviceCertError } from './device-cert.error';
import { decodeStrictBase64 } from './strict-base64';

const MAX_CERTIFICATES = 8;

interface OracleCertificate {
  readonly der: Buffer;
  readonly issuer: Uint8Array;
  readonly serial: Uint8Array;
  readonly subjectKeyId?: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly publicKey: KeyObject;
}

/** signerFromMdmSignature as implemented with pkijs (no caches). */
export async function verifyWithPkijs(headerValue: string, body: Buffer): Promise<Buffer> {
  const der = decodeStrictBase64(headerValue);
  if (!der) throw invalid('header is not valid base64');
  const { certificates, signerInfos } = parseSignedData(der);
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

/** The extension facts chain validation uses, read with pkijs (the reference for certificate-facts.ts). */
export function certificateFactsWithPkijs(der: Buffer) {
  const cert = pkijs.Certificate.fromBER(der);
  const extensions = cert.extensions ?? [];
  const find = (oid: string) => extensions.find((e) => e.extnID === oid);
  const constraints = find('2.5.29.19')?.parsedValue as pkijs.BasicConstraints | undefined;
  const eku = find('2.5.29.37')?.parsedValue as pkijs.ExtKeyUsage | undefined;
  const pathLen = constraints?.pathLenConstraint;
  return {
    notBefore: cert.notBefore.value,
    notAfter: cert.notAfter.value,
    isCa: constraints?.cA === true,
    pathLen: pathLen === undefined ? undefined : typeof pathLen === 'number' ? pathLen : pathLen.valueBlock.valueDec,
    extKeyUsages: eku ? [...eku.keyPurposes] : undefined,
    signatureAlgorithm: cert.signatureAlgorithm.algorithmId,
    hasNameConstraints: find('2.5.29.30') !== undefined,
    ...signerFacts(cert),
  };
}

function signerFacts(cert: pkijs.Certificate) {
  const ski = cert.extensions?.find((e) => e.extnID === '2.5.29.14')?.parsedValue as asn1js.OctetString | undefined;
  return {
    issuer: new Uint8Array(cert.issuer.valueBeforeDecode),
    serial: new Uint8Array(cert.serialNumber.valueBlock.valueHexView),
    subjectKeyId: ski ? new Uint8Array(ski.valueBlock.valueHexView) : undefined,
  };
}

function oracleCertificate(der: Uint8Array): OracleCertificate {
  try {
    const buffer = Buffer.from(der);
    const cert = pkijs.Certificate.fromBER(buffer);
    return {
      der: buffer,
      ...signerFacts(cert),
      notBefore: cert.notBefore.value,
      notAfter: cert.notAfter.value,
      publicKey: new X509Certificate(buffer).publicKey,
    };
  } catch {
    throw invalid('unparsable certificate in the CMS certificate set');
  }
}

function findSigner(info: pkijs.SignerInfo, certificates: readonly Uint8Array[]): OracleCertificate {
  const matches = byIssuerAndSerial(info.sid) ?? bySubjectKeyId(info.sid);
  for (const der of certificates) {
    const cert = oracleCertificate(der);
    if (matches(cert)) return cert;
  }
  throw invalid('no certificate for the signer in the CMS certificate set');
}

function byIssuerAndSerial(sid: unknown): ((cert: OracleCertificate) => boolean) | undefined {
  if (!(sid instanceof pkijs.IssuerAndSerialNumber)) return undefined;
  const issuer = Buffer.from(sid.issuer.valueBeforeDecode);
  const serial = Buffer.from(sid.serialNumber.valueBlock.valueHexView);
  return (cert) => issuer.equals(cert.issuer) && serial.equals(cert.serial);
}

function bySubjectKeyId(sid: unknown): (cert: OracleCertificate) => boolean {
  const view = (sid as { valueBlock?: { valueHexView?: Uint8Array } }).valueBlock?.valueHexView;
  if (!view || view.byteLength === 0) throw invalid('signer identifier is neither issuer-and-serial nor a key identifier');
  const keyId = Buffer.from(view);
  return (cert) => cert.subjectKeyId !== undefined && keyId.equals(cert.subjectKeyId);
}

function checkedSignedAttributes(attrs: pkijs.SignedAndUnsignedAttributes, body: Buffer, digest: DigestName, signer: OracleCertificate): Buffer {
  const { signedBytes, messageDigest, signingTime } = readSignedAttributes(attrs);
  const actual = createHash(digest).update(body).digest();
  if (actual.length !== messageDigest.byteLength || !timingSafeEqual(actual, messageDigest)) {
    throw invalid('message digest does not match the body');
  }
  if (signingTime && (signingTime < signer.notBefore || signingTime > signer.notAfter)) {
    throw invalid(`signing time ${signingTime.toISOString()} is outside the signer certificate's validity`);
  }
  return signedBytes;
}

function checkSignature(info: pkijs.SignerInfo, signer: OracleCertificate, digest: DigestName, signed: Buffer): void {
  const family = signatureFamilyByOid(info.signatureAlgorithm.algorithmId);
  if (!family) throw invalid(`unsupported signature algorithm ${info.signatureAlgorithm.algorithmId}`);
  const key = signer.publicKey;
  if (key.asymmetricKeyType !== family) throw invalid(`signature algorithm does not fit the signer's ${key.asymmetricKeyType} key`);
  if (family === 'ec' && !ACCEPTED_CURVES.has(key.asymmetricKeyDetails?.namedCurve ?? '')) {
    throw invalid('signer key is on an unsupported curve');
  }
  let ok: boolean;
  try {
    ok = verify(digest, signed, key, info.signature.valueBlock.valueHexView);
  } catch {
    ok = false;
  }
  if (!ok) throw invalid('signature does not verify with the signer certificate');
}

function parseSignedData(der: Uint8Array): SignedDataParts {
  const parsed = asn1js.fromBER(der);
  // Trailing bytes after the ContentInfo are refused, as Go's pkcs7.Parse does.
  if (parsed.offset === -1 || parsed.offset !== der.byteLength) throw malformed('not a DER/BER structure');
  let contentInfo: pkijs.ContentInfo;
  try {
    contentInfo = new pkijs.ContentInfo({ schema: parsed.result });
  } catch {
    throw malformed('not a CMS ContentInfo');
  }
  if (contentInfo.contentType !== CMS_OID.signedData) throw malformed(`content type ${contentInfo.contentType} is not SignedData`);
  return signedDataParts(contentInfo.content);
}

/** SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL, [1] crls OPTIONAL, signerInfos } */
function signedDataParts(block: unknown): SignedDataParts {
  if (!(block instanceof asn1js.Sequence)) throw malformed('SignedData is not a SEQUENCE');
  const [version, digestAlgorithms, encapContentInfo, ...rest] = block.valueBlock.value;
  const signerInfoSet = rest.pop();
  if (!(version instanceof asn1js.Integer) || !(digestAlgorithms instanceof asn1js.Set)) throw malformed('bad SignedData header');
  if (!(encapContentInfo instanceof asn1js.Sequence) || !(signerInfoSet instanceof asn1js.Set)) throw malformed('bad SignedData body');
  let certificates: Uint8Array[] = [];
  let next = 0; // [0] then [1], each at most once
  for (const optional of rest) {
    const tag = optional.idBlock;
    if (tag.tagClass !== 3 || tag.tagNumber < next || tag.tagNumber > 1) throw malformed('unexpected field in SignedData');
    next = tag.tagNumber + 1;
    if (tag.tagNumber === 0) certificates = certificateSet(optional);
  }
  return { certificates, signerInfos: signerInfoSet.valueBlock.value.map(signerInfo) };
}

function certificateSet(block: asn1js.BaseBlock): Uint8Array[] {
  if (!(block instanceof asn1js.Constructed)) throw malformed('certificates is not a SET');
  // Only plain X.509 certificates (SEQUENCE); attribute/other certificate choices are refused.
  return block.valueBlock.value.map((cert) => {
    if (!(cert instanceof asn1js.Sequence)) throw malformed('certificate set holds a non-X.509 certificate');
    return cert.valueBeforeDecodeView;
  });
}

function signerInfo(block: asn1js.BaseBlock): pkijs.SignerInfo {
  try {
    return new pkijs.SignerInfo({ schema: block });
  } catch {
    throw malformed('malformed SignerInfo');
  }
}

interface SignedDataParts { readonly certificates: readonly Uint8Array[]; readonly signerInfos: readonly pkijs.SignerInfo[] }

function readSignedAttributes(attrs: pkijs.SignedAndUnsignedAttributes): { signedBytes: Buffer; messageDigest: Uint8Array; signingTime?: Date } {
  const signedBytes = Buffer.from(new Uint8Array(attrs.encodedValue)); // a copy: pkijs keeps the original
  signedBytes[0] = 0x31;
  const digest = singleValue(attrs, CMS_OID.messageDigest, 'message digest');
  if (!digest) throw invalid('signed attributes lack the message digest');
  if (!(digest instanceof asn1js.OctetString)) throw invalid('message digest is not an OCTET STRING');
  const time = singleValue(attrs, CMS_OID.signingTime, 'signing time');
  return { signedBytes, messageDigest: digest.valueBlock.valueHexView, signingTime: time === undefined ? undefined : signingTime(time) };
}

/** An attribute may appear at most once, with exactly one value (RFC 5652 §11.2, §11.3). */
function singleValue(attrs: pkijs.SignedAndUnsignedAttributes, oid: string, name: string): unknown {
  const found = attrs.attributes.filter((a) => a.type === oid);
  if (found.length === 0) return undefined;
  if (found.length > 1 || found[0].values.length !== 1) throw invalid(`${name} attribute must have exactly one value`);
  return found[0].values[0];
}

function signingTime(value: unknown): Date {
  if (value instanceof asn1js.UTCTime || value instanceof asn1js.GeneralizedTime) return value.toDate();
  throw invalid('signing time is neither UTCTime nor GeneralizedTime');
}

function malformed(reason: string): DeviceCertError {
  return invalid(reason);
}

function invalid(reason: string): DeviceCertError {
  return new DeviceCertError(`verifying Mdm-Signature: ${reason}`);
}
