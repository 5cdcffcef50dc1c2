import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import forge from 'node-forge';
import { issueEcCertificate } from './ec-certificate';
import { certificateDerToPem, serialHex } from './pem';

/** A CA made for one test file: a root and, optionally, an intermediate that issues devices. */
export interface TestCa {
  readonly rootPem: string;
  readonly rootDer: Buffer;
  /** PEM with LF line ends (forge writes CRLF). Present when created with `{ intermediate: true }`; devices are then issued by it. */
  readonly intermediatePem?: string;
  readonly intermediateDer?: Buffer;
  /** The certificate that signs device identities (the intermediate when there is one). */
  readonly issuer: TestIssuer;
}

export interface TestIssuer {
  readonly cert: forge.pki.Certificate;
  readonly certDer: Buffer;
  readonly forgeKey: forge.pki.rsa.PrivateKey;
  readonly privateKey: KeyObject;
}

export interface CreateTestCaOptions {
  readonly commonName?: string;
  readonly intermediate?: boolean;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export type TestKeyType = 'rsa' | 'ecdsa';
export type TestEku = 'clientAuth' | 'serverAuth' | 'any' | 'none';

export interface IssueDeviceIdentityOptions {
  readonly keyType: TestKeyType;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
  readonly eku?: TestEku;
  readonly commonName?: string;
  /** ECDSA only; devices use P-256, P-384 is here to exercise the verifier. */
  readonly curve?: 'P-256' | 'P-384';
}

/** A device identity as an MDM enrolment would leave it: certificate plus private key. */
export interface DeviceIdentity {
  readonly certPem: string;
  readonly certDer: Buffer;
  readonly keyPem: string;
  readonly privateKey: KeyObject;
}

const DAY_MS = 86_400_000;

/**
 * Creates a root CA (and optionally an intermediate) with node-forge. The RSA keys come from
 * node:crypto because forge's pure-JS key generation takes seconds; create one CA per test file.
 */
export function createTestCa(options: CreateTestCaOptions = {}): TestCa {
  const name = options.commonName ?? 'Espalier Test Root';
  const notBefore = options.notBefore ?? new Date(Date.now() - DAY_MS);
  const notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY_MS);
  const rootKey = rsaKeyPair();
  const root = forge.pki.createCertificate();
  fillCaCertificate(root, { name, notBefore, notAfter, publicKey: rootKey.forgePublic });
  root.setIssuer(root.subject.attributes);
  root.sign(rootKey.forgePrivate, forge.md.sha256.create());
  const rootIssuer: TestIssuer = {
    cert: root,
    certDer: toDer(root),
    forgeKey: rootKey.forgePrivate,
    privateKey: rootKey.privateKey,
  };
  if (!options.intermediate) return { rootPem: certificateDerToPem(rootIssuer.certDer), rootDer: rootIssuer.certDer, issuer: rootIssuer };

  const interKey = rsaKeyPair();
  const inter = forge.pki.createCertificate();
  fillCaCertificate(inter, { name: `${name} Intermediate`, notBefore, notAfter, publicKey: interKey.forgePublic });
  inter.setIssuer(root.subject.attributes);
  inter.sign(rootKey.forgePrivate, forge.md.sha256.create());
  const interIssuer: TestIssuer = {
    cert: inter,
    certDer: toDer(inter),
    forgeKey: interKey.forgePrivate,
    privateKey: interKey.privateKey,
  };
  return {
    rootPem: certificateDerToPem(rootIssuer.certDer),
    rootDer: rootIssuer.certDer,
    intermediatePem: certificateDerToPem(interIssuer.certDer),
    intermediateDer: interIssuer.certDer,
    issuer: interIssuer,
  };
}

/**
 * Issues a device identity certificate signed by the CA's issuer. RSA identities are built with
 * node-forge; forge has no EC support, so ECDSA identities are built with pkijs (see ec-certificate.ts).
 */
export function issueDeviceIdentity(ca: TestCa, options: IssueDeviceIdentityOptions): DeviceIdentity {
  const spec = {
    commonName: options.commonName ?? `device-${randomBytes(4).toString('hex')}`,
    notBefore: options.notBefore ?? new Date(Date.now() - DAY_MS),
    notAfter: options.notAfter ?? new Date(Date.now() + 30 * DAY_MS),
    eku: options.eku ?? 'clientAuth',
    curve: options.curve ?? 'P-256',
  };
  if (options.keyType === 'ecdsa') return issueEcCertificate(ca.issuer, spec);
  const key = rsaKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = key.forgePublic;
  cert.serialNumber = serialHex();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject([{ name: 'commonName', value: spec.commonName }]);
  cert.setIssuer(ca.issuer.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
    { name: 'subjectKeyIdentifier' },
    ...ekuExtension(spec.eku),
  ]);
  cert.sign(ca.issuer.forgeKey, forge.md.sha256.create());
  const certDer = toDer(cert);
  return { certPem: certificateDerToPem(certDer), certDer, keyPem: key.pem, privateKey: key.privateKey };
}

function fillCaCertificate(
  cert: forge.pki.Certificate,
  spec: { name: string; notBefore: Date; notAfter: Date; publicKey: forge.pki.rsa.PublicKey },
): void {
  cert.publicKey = spec.publicKey;
  cert.serialNumber = serialHex();
  cert.validity.notBefore = spec.notBefore;
  cert.validity.notAfter = spec.notAfter;
  cert.setSubject([
    { name: 'commonName', value: spec.name },
    { name: 'organizationName', value: 'Espalier Tests' },
  ]);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
}

function ekuExtension(eku: TestEku): object[] {
  switch (eku) {
    case 'none':
      return [];
    case 'clientAuth':
      return [{ name: 'extKeyUsage', clientAuth: true }];
    case 'serverAuth':
      return [{ name: 'extKeyUsage', serverAuth: true }];
    case 'any':
      return [{ name: 'extKeyUsage', '2.5.29.37.0': true }];
  }
}

function rsaKeyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    privateKey: createPrivateKey(pem),
    pem,
    forgePrivate: forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey,
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()) as forge.pki.rsa.PublicKey,
  };
}

function toDer(cert: forge.pki.Certificate): Buffer {
  return Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');
}
