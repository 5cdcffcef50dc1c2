/** Object identifiers and algorithm choices accepted in an Mdm-Signature (NanoMDM §8.1). */

export type DigestName = 'sha1' | 'sha256' | 'sha384' | 'sha512';
export type SignatureFamily = 'rsa' | 'ec';

export const CMS_OID = {
  signedData: '1.2.840.113549.1.7.2',
  messageDigest: '1.2.840.113549.1.9.4',
  signingTime: '1.2.840.113549.1.9.5',
} as const;

/**
 * SHA-1 stays accepted on purpose: older devices sign with it and NanoMDM accepts it (§15.16).
 * The chain of trust does not rest on it — the certificate is validated separately.
 */
const DIGESTS: Readonly<Record<string, DigestName>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/**
 * The signature algorithm only chooses the key family, as Go's pkcs7 does: the hash always comes
 * from the SignerInfo's digestAlgorithm, so an OID naming another hash cannot downgrade it.
 * PKCS#1 v1.5 and ECDSA only — what devices use; RSA-PSS and others are refused.
 */
const SIGNATURE_FAMILIES: Readonly<Record<string, SignatureFamily>> = {
  '1.2.840.113549.1.1.1': 'rsa', // rsaEncryption (what devices send)
  '1.2.840.113549.1.1.5': 'rsa',
  '1.2.840.113549.1.1.11': 'rsa',
  '1.2.840.113549.1.1.12': 'rsa',
  '1.2.840.113549.1.1.13': 'rsa',
  '1.2.840.10045.2.1': 'ec', // id-ecPublicKey, used by some signers in place of ecdsa-with-*
  '1.2.840.10045.4.1': 'ec',
  '1.2.840.10045.4.3.2': 'ec',
  '1.2.840.10045.4.3.3': 'ec',
  '1.2.840.10045.4.3.4': 'ec',
};

/** OpenSSL names of the curves devices use: P-256 and P-384. */
export const ACCEPTED_CURVES: ReadonlySet<string> = new Set(['prime256v1', 'secp384r1']);

export function digestByOid(oid: string): DigestName | undefined {
  return DIGESTS[oid];
}

export function signatureFamilyByOid(oid: string): SignatureFamily | undefined {
  return SIGNATURE_FAMILIES[oid];
}
