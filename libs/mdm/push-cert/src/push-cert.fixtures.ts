// Test-only (not exported from index.ts): builds push-certificate-shaped certificates.
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

export const UID_OID = '0.9.2342.19200300.100.1.1';
const COMMON_NAME_OID = '2.5.4.3';
const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';

export interface TestPushIdentity {
  readonly certPem: string;
  readonly certDer: Buffer;
  /** The key as PKCS#8 and in OpenSSL's "traditional" form: `RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY` (SEC1). */
  readonly keyPems: { readonly pkcs8: string; readonly traditional: string };
}

export interface TestPushIdentityOptions {
  readonly keyType?: 'rsa' | 'ec';
  /** Subject attributes in order; defaults to a CN and `UID=com.apple.mgmt.External.<uuid-ish>`. */
  readonly subject?: ReadonlyArray<readonly [string, pkijs.AttributeValueType]>;
  readonly notAfter?: Date;
}

// Apple signs push certificates; who signs these does not matter to the upload, so one RSA key does.
const signer = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;

export function topicUid(topic: string): readonly [string, pkijs.AttributeValueType] {
  return [UID_OID, new asn1js.Utf8String({ value: topic })];
}

export function commonName(name: string): readonly [string, pkijs.AttributeValueType] {
  return [COMMON_NAME_OID, new asn1js.Utf8String({ value: name })];
}

export function createPushIdentity(options: TestPushIdentityOptions = {}): TestPushIdentity {
  const { privateKey, publicKey } =
    options.keyType === 'ec' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const subject = options.subject ?? [commonName('APSP:test'), topicUid(`com.apple.mgmt.External.${randomBytes(8).toString('hex')}`)];
  const certDer = buildCertificate(publicKey, subject, options.notAfter ?? new Date(Date.UTC(2026, 0, 7, 4, 4, 46)));
  return { certPem: pemOf('CERTIFICATE', certDer), certDer, keyPems: keyPemsOf(privateKey, options.keyType ?? 'rsa') };
}

function buildCertificate(publicKey: KeyObject, subject: TestPushIdentityOptions['subject'] & object, notAfter: Date): Buffer {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: Buffer.concat([Buffer.from([1]), randomBytes(8)]) });
  cert.issuer.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type: COMMON_NAME_OID, value: new asn1js.Utf8String({ value: 'Test APNs CA' }) }));
  for (const [type, value] of subject) cert.subject.typesAndValues.push(new pkijs.AttributeTypeAndValue({ type, value }));
  cert.notBefore.value = new Date(notAfter.getTime() - 365 * 86_400_000);
  cert.notAfter.value = notAfter;
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(publicKey.export({ type: 'spki', format: 'der' }));
  const algorithm = new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_WITH_RSA, algorithmParams: new asn1js.Null() });
  cert.signature = algorithm;
  cert.signatureAlgorithm = algorithm;
  cert.signatureValue = new asn1js.BitString({ valueHex: sign('sha256', Buffer.from(cert.encodeTBS().toBER()), signer) });
  return Buffer.from(cert.toSchema(true).toBER());
}

function keyPemsOf(key: KeyObject, keyType: 'rsa' | 'ec'): TestPushIdentity['keyPems'] {
  const pkcs8 = key.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { pkcs8, traditional: key.export({ type: keyType === 'ec' ? 'sec1' : 'pkcs1', format: 'pem' }).toString() };
}

/** PEM as Go and OpenSSL write it: 64-character lines, LF endings. */
export function pemOf(type: string, der: Buffer, headers = ''): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${type}-----\n${headers}${lines.join('\n')}\n-----END ${type}-----\n`;
}
