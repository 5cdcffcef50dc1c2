import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { certificateDerToPem, serialHex } from './pem';
import type { DeviceIdentity, TestEku, TestIssuer } from './test-ca';

export interface EcIdentitySpec {
  readonly commonName: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  readonly eku: TestEku;
  readonly curve: 'P-256' | 'P-384';
}

const OID = {
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyIdentifier: '2.5.29.14',
  sha256WithRsa: '1.2.840.113549.1.1.11',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  anyExtendedKeyUsage: '2.5.29.37.0',
} as const;

/**
 * Builds an ECDSA device certificate with pkijs (node-forge cannot do EC) and signs its TBS
 * synchronously with node:crypto using the test CA's RSA key, so it chains like the RSA ones.
 */
export function issueEcCertificate(issuer: TestIssuer, spec: EcIdentitySpec): DeviceIdentity {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: spec.curve });
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: Buffer.from(serialHex(), 'hex') });
  cert.issuer = pkijs.Certificate.fromBER(issuer.certDer).subject;
  cert.subject.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({ type: OID.commonName, value: new asn1js.Utf8String({ value: spec.commonName }) }),
  );
  cert.notBefore.value = spec.notBefore;
  cert.notAfter.value = spec.notAfter;
  cert.subjectPublicKeyInfo = pkijs.PublicKeyInfo.fromBER(publicKey.export({ type: 'spki', format: 'der' }));
  cert.extensions = extensions(cert, spec.eku);
  const algorithm = new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256WithRsa, algorithmParams: new asn1js.Null() });
  cert.signature = algorithm;
  cert.signatureAlgorithm = algorithm;
  const tbs = Buffer.from(cert.encodeTBS().toBER());
  cert.signatureValue = new asn1js.BitString({ valueHex: sign('sha256', tbs, issuer.privateKey) });
  const certDer = Buffer.from(cert.toSchema(true).toBER());
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem: certificateDerToPem(certDer), certDer, keyPem, privateKey };
}

function extensions(cert: pkijs.Certificate, eku: TestEku): pkijs.Extension[] {
  const keyBits = cert.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView;
  const list = [
    extension(OID.basicConstraints, new pkijs.BasicConstraints({ cA: false }).toSchema()),
    // digitalSignature only: bit 0 set, seven unused bits.
    extension(OID.keyUsage, new asn1js.BitString({ valueHex: new Uint8Array([0x80]), unusedBits: 7 })),
    extension(OID.subjectKeyIdentifier, new asn1js.OctetString({ valueHex: createHash('sha1').update(keyBits).digest() })),
  ];
  const purposes = { none: [], clientAuth: [OID.clientAuth], serverAuth: [OID.serverAuth], any: [OID.anyExtendedKeyUsage] }[eku];
  if (purposes.length > 0) list.push(extension(OID.extKeyUsage, new pkijs.ExtKeyUsage({ keyPurposes: purposes }).toSchema()));
  return list;
}

function extension(extnID: string, value: asn1js.BaseBlock): pkijs.Extension {
  return new pkijs.Extension({ extnID, critical: false, extnValue: value.toBER() });
}
