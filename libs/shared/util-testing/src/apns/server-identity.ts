import { createTestCa } from '../devices/test-ca';
import { issueLeafCertificate, type LeafCertificate } from './leaf-certificate';

/** A fresh CA and a server certificate it signed for 127.0.0.1 / localhost: the identity of a local test double. */
export function localServerIdentity(caName: string): { serverCa: { rootPem: string }; identity: LeafCertificate } {
  const serverCa = createTestCa({ commonName: caName });
  const identity = issueLeafCertificate(serverCa.issuer, {
    subject: [{ name: 'commonName', value: '127.0.0.1' }],
    extensions: [
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] },
    ],
  });
  return { serverCa, identity };
}
