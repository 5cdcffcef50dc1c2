import { createHash, sign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import type { DeviceIdentity } from './test-ca';

export type MdmDigest = 'sha1' | 'sha256' | 'sha384' | 'sha512';

export interface SignMdmBodyOptions {
  /** Real devices use SHA-1 (older OS versions) or SHA-256; default SHA-256. */
  readonly digest?: MdmDigest;
  /** Real devices always send signed attributes; `false` signs the raw body. Default true. */
  readonly signedAttributes?: boolean;
  /** The signing-time attribute; default now. */
  readonly signingTime?: Date;
  /** More DER certificates for the CMS certificate set (e.g. an intermediate a device might embed). */
  readonly extraCertificates?: readonly Buffer[];
  /** Signs with this key while still naming the identity's certificate (a forged signature). */
  readonly signerOverride?: { readonly privateKey: KeyObject };
  /** Adds one more SignerInfo per identity (their certificates are embedded too). */
  readonly extraSigners?: readonly DeviceIdentity[];
  /** How the SignerInfo names its certificate; devices use issuer and serial. */
  readonly signerIdentifier?: 'issuerAndSerial' | 'subjectKeyIdentifier';
  /** Leaves the signer's certificate out of the CMS certificate set. */
  readonly omitSignerCertificate?: boolean;
}

const OID = {
  data: '1.2.840.113549.1.7.1',
  signedData: '1.2.840.113549.1.7.2',
  contentType: '1.2.840.113549.1.9.3',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
  rsaEncryption: '1.2.840.113549.1.1.1',
  subjectKeyIdentifier: '2.5.29.14',
} as const;

const DIGEST_OID: Record<MdmDigest, string> = {
  sha1: '1.3.14.3.2.26',
  sha256: '2.16.840.1.101.3.4.2.1',
  sha384: '2.16.840.1.101.3.4.2.2',
  sha512: '2.16.840.1.101.3.4.2.3',
};

const ECDSA_OID: Record<MdmDigest, string> = {
  sha1: '1.2.840.10045.4.1',
  sha256: '1.2.840.10045.4.3.2',
  sha384: '1.2.840.10045.4.3.3',
  sha512: '1.2.840.10045.4.3.4',
};

/**
 * Returns the `Mdm-Signature` header value for `body`: base64 of a detached CMS SignedData shaped
 * like a device's (version 1, issuer-and-serial signer, id-data without eContent, the identity
 * certificate, signed attributes contentType + signingTime + messageDigest in DER order,
 * rsaEncryption for RSA keys).
 */
export function signMdmBody(body: Buffer, identity: DeviceIdentity, options: SignMdmBodyOptions = {}): string {
  const digest = options.digest ?? 'sha256';
  const signers = [{ identity, key: options.signerOverride?.privateKey ?? identity.privateKey }];
  for (const extra of options.extraSigners ?? []) signers.push({ identity: extra, key: extra.privateKey });
  const certificates = signers
    .filter((s) => s.identity !== identity || !options.omitSignerCertificate)
    .map((s) => s.identity.certDer)
    .concat(options.extraCertificates ?? []);
  const bySki = options.signerIdentifier === 'subjectKeyIdentifier';
  const signedData = new pkijs.SignedData({
    version: bySki ? 3 : 1,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    digestAlgorithms: [digestAlgorithm(digest)],
    certificates: certificates.map((der) => pkijs.Certificate.fromBER(der)),
    signerInfos: signers.map((s) => signerInfo(body, s.identity, s.key, digest, options)),
  });
  const contentInfo = new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) });
  return Buffer.from(contentInfo.toSchema().toBER()).toString('base64');
}

function signerInfo(
  body: Buffer,
  identity: DeviceIdentity,
  key: KeyObject,
  digest: MdmDigest,
  options: SignMdmBodyOptions,
): pkijs.SignerInfo {
  const cert = pkijs.Certificate.fromBER(identity.certDer);
  const withAttributes = options.signedAttributes ?? true;
  const signedAttrs = withAttributes
    ? new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attributes(body, digest, options.signingTime ?? new Date()) })
    : undefined;
  // With attributes the signature covers their DER as a SET OF (tag 0x31), not the [0] tag.
  const signedBytes = signedAttrs ? Buffer.from(signedAttrs.toSchema().toBER()) : body;
  if (signedAttrs) signedBytes[0] = 0x31;
  return new pkijs.SignerInfo({
    version: options.signerIdentifier === 'subjectKeyIdentifier' ? 3 : 1,
    sid: signerIdentifier(cert, options.signerIdentifier ?? 'issuerAndSerial'),
    digestAlgorithm: digestAlgorithm(digest),
    ...(signedAttrs ? { signedAttrs } : {}), // pkijs treats a present-but-undefined key as set
    signatureAlgorithm: signatureAlgorithm(key, digest),
    signature: new asn1js.OctetString({ valueHex: sign(digest, signedBytes, key) }),
  });
}

/** contentType, signingTime, messageDigest, sorted by encoding as DER requires for a SET OF. */
function attributes(body: Buffer, digest: MdmDigest, signingTime: Date): pkijs.Attribute[] {
  const list = [
    new pkijs.Attribute({ type: OID.contentType, values: [new asn1js.ObjectIdentifier({ value: OID.data })] }),
    new pkijs.Attribute({ type: OID.signingTime, values: [new asn1js.UTCTime({ valueDate: signingTime })] }),
    new pkijs.Attribute({
      type: OID.messageDigest,
      values: [new asn1js.OctetString({ valueHex: createHash(digest).update(body).digest() })],
    }),
  ];
  const encoded = list.map((attribute) => ({ attribute, der: Buffer.from(attribute.toSchema().toBER()) }));
  return encoded.sort((a, b) => Buffer.compare(a.der, b.der)).map((e) => e.attribute);
}

function signerIdentifier(cert: pkijs.Certificate, kind: 'issuerAndSerial' | 'subjectKeyIdentifier') {
  if (kind === 'issuerAndSerial') {
    return new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber });
  }
  const ski = cert.extensions?.find((e) => e.extnID === OID.subjectKeyIdentifier);
  if (!ski) throw new Error('signing MDM body: identity certificate has no subject key identifier');
  const value = (ski.parsedValue as asn1js.OctetString).valueBlock.valueHexView;
  return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 }, valueHex: value });
}

function digestAlgorithm(digest: MdmDigest): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: DIGEST_OID[digest], algorithmParams: new asn1js.Null() });
}

function signatureAlgorithm(key: KeyObject, digest: MdmDigest): pkijs.AlgorithmIdentifier {
  if (key.asymmetricKeyType === 'ec') return new pkijs.AlgorithmIdentifier({ algorithmId: ECDSA_OID[digest] });
  return new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() });
}
