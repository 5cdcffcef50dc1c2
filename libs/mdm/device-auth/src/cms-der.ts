import { CMS_OID } from './cms-algorithms';
import { DeviceCertError } from './device-cert.error';
import { childrenOf, contentOf, DerError, encodingOf, readOid, readSmallInteger, readTime, readTlv, TAG, type Tlv } from './der-reader';

/** How a SignerInfo names its certificate (RFC 5652 §5.3). */
export type SignerIdentifier =
  | { readonly kind: 'issuerAndSerial'; readonly issuer: Uint8Array; readonly serial: Uint8Array }
  | { readonly kind: 'subjectKeyIdentifier'; readonly keyId: Uint8Array };

export interface SignedAttributesParts {
  /** The [0] IMPLICIT SET OF Attribute exactly as received (tag 0xA0). */
  readonly encoded: Uint8Array;
  readonly messageDigest?: Uint8Array;
  /** Raw UTCTime/GeneralizedTime element; see signingTimeOf. */
  readonly signingTime?: { readonly bytes: Uint8Array; readonly tlv: Tlv };
  readonly contentType?: string;
}

export interface SignerInfoParts {
  readonly version: number;
  readonly sid: SignerIdentifier;
  readonly digestAlgorithm: string;
  readonly signedAttrs?: SignedAttributesParts;
  readonly signatureAlgorithm: string;
  /** The AlgorithmIdentifier parameters' DER, when present. */
  readonly signatureParams?: Uint8Array;
  readonly signature: Uint8Array;
}

/** The parts of a detached CMS SignedData that Mdm-Signature verification needs, as slices of the input. */
export interface CmsSignedData {
  readonly version: number;
  readonly digestAlgorithms: readonly string[];
  readonly contentType: string;
  /** True when encapContentInfo carries eContent; it is ignored (the HTTP body is the content). */
  readonly hasContent: boolean;
  /** Each certificate's exact DER as sent (hashed for the cache, never re-encoded). */
  readonly certificates: readonly Uint8Array[];
  readonly signerInfos: readonly SignerInfoParts[];
}

const MESSAGE_DIGEST = CMS_OID.messageDigest;
const SIGNING_TIME = CMS_OID.signingTime;
const CONTENT_TYPE = '1.2.840.113549.1.9.3';

/**
 * Reads ContentInfo → SignedData with der-reader, without building any object tree.
 * The envelope may use BER indefinite lengths (devices do); signed attributes and certificates
 * are returned as raw slices and must be DER. Every problem is a DeviceCertError.
 */
export function parseCmsSignedData(der: Uint8Array): CmsSignedData {
  let contentInfo: Tlv;
  try {
    contentInfo = readTlv(der, 0, der.byteLength, true);
  } catch {
    throw malformed('not a DER/BER structure');
  }
  // Trailing bytes after the ContentInfo are refused, as Go's pkcs7.Parse does.
  if (contentInfo.end !== der.byteLength) throw malformed('not a DER/BER structure');
  try {
    return readContentInfo(der, contentInfo);
  } catch (error) {
    if (error instanceof DeviceCertError) throw error;
    throw malformed(`malformed CMS (${(error as Error).message})`);
  }
}

/** ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT ANY } */
function readContentInfo(der: Uint8Array, contentInfo: Tlv): CmsSignedData {
  const fields = contentInfo.tag === TAG.sequence ? childrenOf(der, contentInfo, true) : [];
  if (fields.length !== 2 || fields[0].tag !== TAG.oid || fields[1].tag !== 0xa0) throw malformed('not a CMS ContentInfo');
  const contentType = readOid(der, fields[0]);
  if (contentType !== CMS_OID.signedData) throw malformed(`content type ${contentType} is not SignedData`);
  const inner = childrenOf(der, fields[1], true);
  if (inner.length !== 1) throw malformed('not a CMS ContentInfo');
  return readSignedData(der, inner[0]);
}

/** SignedData ::= SEQUENCE { version, digestAlgorithms, encapContentInfo, [0] certificates OPTIONAL, [1] crls OPTIONAL, signerInfos } */
function readSignedData(der: Uint8Array, block: Tlv): CmsSignedData {
  if (block.tag !== TAG.sequence) throw malformed('SignedData is not a SEQUENCE');
  const fields = childrenOf(der, block, true);
  const [version, digestAlgorithms, encapContentInfo] = fields;
  const signerInfoSet = fields.length > 3 ? fields[fields.length - 1] : undefined;
  if (version?.tag !== TAG.integer || digestAlgorithms?.tag !== TAG.set) throw malformed('bad SignedData header');
  if (encapContentInfo?.tag !== TAG.sequence || signerInfoSet?.tag !== TAG.set) throw malformed('bad SignedData body');
  let certificates: Uint8Array[] = [];
  let next = 0; // [0] then [1], each at most once
  for (const optional of fields.slice(3, -1)) {
    const number = optional.tag & 0x1f;
    if ((optional.tag & 0xc0) !== 0x80 || number < next || number > 1) throw malformed('unexpected field in SignedData');
    next = number + 1;
    if (number === 0) certificates = certificateSet(der, optional);
  }
  const encap = readEncapContentInfo(der, encapContentInfo);
  return {
    version: readSmallInteger(der, version),
    digestAlgorithms: childrenOf(der, digestAlgorithms, true).map((algorithm) => readAlgorithm(der, algorithm).oid),
    contentType: encap.contentType,
    hasContent: encap.hasContent,
    certificates,
    signerInfos: childrenOf(der, signerInfoSet, true).map((info) => readSignerInfo(der, info)),
  };
}

/** EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING OPTIONAL } */
function readEncapContentInfo(der: Uint8Array, block: Tlv): { contentType: string; hasContent: boolean } {
  const fields = childrenOf(der, block, true);
  if (fields.length < 1 || fields.length > 2 || (fields.length === 2 && fields[1].tag !== 0xa0)) throw malformed('bad encapsulated content info');
  return { contentType: readOid(der, fields[0]), hasContent: fields.length === 2 };
}

function certificateSet(der: Uint8Array, block: Tlv): Uint8Array[] {
  if (block.tag !== 0xa0) throw malformed('certificates is not a SET');
  // Only plain X.509 certificates (SEQUENCE); attribute/other certificate choices are refused.
  return childrenOf(der, block, true).map((cert) => {
    if (cert.tag !== TAG.sequence) throw malformed('certificate set holds a non-X.509 certificate');
    return encodingOf(der, cert);
  });
}

/**
 * SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, [0] IMPLICIT signedAttrs OPTIONAL,
 *   signatureAlgorithm, signature OCTET STRING, [1] IMPLICIT unsignedAttrs OPTIONAL }
 */
function readSignerInfo(der: Uint8Array, block: Tlv): SignerInfoParts {
  if (block.tag !== TAG.sequence) throw malformed('malformed SignerInfo');
  const fields = childrenOf(der, block, true);
  let i = 0;
  const version = fields[i++];
  const sid = fields[i++];
  const digestAlgorithm = fields[i++];
  const signedAttrs = fields[i]?.tag === 0xa0 ? fields[i++] : undefined;
  const signatureAlgorithm = fields[i++];
  const signature = fields[i++];
  if (fields[i]?.tag === 0xa1) i++;
  if (i !== fields.length || version?.tag !== TAG.integer || !sid || signature?.tag !== TAG.octetString) throw malformed('malformed SignerInfo');
  const signatureAlg = readAlgorithm(der, signatureAlgorithm);
  return {
    version: readSmallInteger(der, version),
    sid: signerIdentifier(der, sid),
    digestAlgorithm: readAlgorithm(der, digestAlgorithm).oid,
    signedAttrs: signedAttrs ? readSignedAttributes(der, signedAttrs) : undefined,
    signatureAlgorithm: signatureAlg.oid,
    signatureParams: signatureAlg.params,
    signature: contentOf(der, signature),
  };
}

/** IssuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber INTEGER } | [0] IMPLICIT SubjectKeyIdentifier */
function signerIdentifier(der: Uint8Array, sid: Tlv): SignerIdentifier {
  if (sid.tag === TAG.sequence) {
    const fields = childrenOf(der, sid, true);
    if (fields.length !== 2 || fields[0].tag !== TAG.sequence || fields[1].tag !== TAG.integer) throw malformed('malformed SignerInfo');
    return { kind: 'issuerAndSerial', issuer: encodingOf(der, fields[0]), serial: contentOf(der, fields[1]) };
  }
  if (sid.tag === 0x80 && sid.contentEnd > sid.contentStart) return { kind: 'subjectKeyIdentifier', keyId: contentOf(der, sid) };
  throw malformed('signer identifier is neither issuer-and-serial nor a key identifier');
}

/** AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY OPTIONAL } */
function readAlgorithm(der: Uint8Array, block: Tlv | undefined): { oid: string; params?: Uint8Array } {
  if (block?.tag !== TAG.sequence) throw malformed('malformed AlgorithmIdentifier');
  const fields = childrenOf(der, block, true);
  if (fields.length < 1 || fields.length > 2) throw malformed('malformed AlgorithmIdentifier');
  return { oid: readOid(der, fields[0]), params: fields[1] ? encodingOf(der, fields[1]) : undefined };
}

/**
 * SignedAttributes ::= [0] IMPLICIT SET OF Attribute; Attribute ::= SEQUENCE { attrType OID, attrValues SET OF ANY }.
 * DER only (RFC 5652 §5.3): the signature covers exactly these bytes, re-tagged as SET OF.
 * messageDigest and signingTime may appear at most once, with exactly one value.
 */
function readSignedAttributes(der: Uint8Array, block: Tlv): SignedAttributesParts {
  if (der[block.start + 1] === 0x80) throw malformed('signed attributes are not DER');
  const found: { -readonly [K in keyof SignedAttributesParts]: SignedAttributesParts[K] } = { encoded: encodingOf(der, block) };
  const seen = new Set<string>();
  for (const attribute of childrenOf(der, block)) {
    if (attribute.tag !== TAG.sequence) throw malformed('malformed signed attribute');
    const [type, values, ...rest] = childrenOf(der, attribute);
    if (type?.tag !== TAG.oid || values?.tag !== TAG.set || rest.length > 0) throw malformed('malformed signed attribute');
    const oid = readOid(der, type);
    const list = childrenOf(der, values);
    if (oid === CONTENT_TYPE) {
      // Reported, not enforced (neither NanoMDM nor the pkijs implementation checks it).
      if (list.length === 1 && list[0].tag === TAG.oid && found.contentType === undefined) found.contentType = readOid(der, list[0]);
      continue;
    }
    const name = oid === MESSAGE_DIGEST ? 'message digest' : oid === SIGNING_TIME ? 'signing time' : undefined;
    if (name === undefined) continue;
    if (seen.has(oid) || list.length !== 1) throw malformed(`${name} attribute must have exactly one value`);
    seen.add(oid);
    const [value] = list;
    if (oid === MESSAGE_DIGEST) {
      if (value.tag !== TAG.octetString) throw malformed('message digest is not an OCTET STRING');
      found.messageDigest = contentOf(der, value);
    } else {
      found.signingTime = { bytes: der, tlv: value };
    }
  }
  return found;
}

/** The signing-time attribute as a Date; a DeviceCertError when it is no valid time. */
export function signingTimeOf(time: NonNullable<SignedAttributesParts['signingTime']>): Date {
  if (time.tlv.tag !== TAG.utcTime && time.tlv.tag !== TAG.generalizedTime) throw malformed('signing time is neither UTCTime nor GeneralizedTime');
  try {
    return readTime(time.bytes, time.tlv);
  } catch (error) {
    if (error instanceof DerError) throw malformed('signing time is not a valid time');
    throw error;
  }
}

function malformed(reason: string): DeviceCertError {
  return new DeviceCertError(`verifying Mdm-Signature: ${reason}`);
}

