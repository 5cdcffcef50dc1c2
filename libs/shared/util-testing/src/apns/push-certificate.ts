import { randomUUID } from 'node:crypto';
import forge from 'node-forge';
import { createTestCa, type TestCa } from '../devices/test-ca';
import { issueLeafCertificate } from './leaf-certificate';

export interface IssuePushCertificateOptions {
  /** The APNs topic, e.g. `com.apple.mgmt.External.<uuid>`; becomes the subject UID. */
  readonly topic: string;
  readonly notAfter?: Date;
}

export interface PushCertificate {
  readonly certPem: string;
  readonly keyPem: string;
  /** The push CA that signed it; every fake APNs server trusts it unless told otherwise. */
  readonly caPem: string;
}

/** userId (RFC 4519 "uid"); Apple puts the push topic here, and APNs reads the topic from it. */
const UID_OID = '0.9.2342.19200300.100.1.1';

// One push CA per process, so a certificate issued anywhere in a test is trusted by every fake
// server started anywhere else, without the two having to be wired to each other.
let pushCa: TestCa | undefined;

/** The PEM of the process-wide push CA (created on first use). */
export function pushCaPem(): string {
  pushCa ??= createTestCa({ commonName: 'Espalier Test Push CA' });
  return pushCa.rootPem;
}

/**
 * Issues an APNs-like MDM push certificate: subject UID = topic and CN `APSP:<uuid>` as in the
 * certificates Apple's push portal issues, EKU clientAuth for the TLS client role.
 */
export function issuePushCertificate(options: IssuePushCertificateOptions): PushCertificate {
  const caPem = pushCaPem();
  const { certPem, keyPem } = issueLeafCertificate((pushCa as TestCa).issuer, {
    subject: [
      // @types/node-forge types valueTagClass as an asn1.Class, but forge reads it as the
      // universal tag; UTF8String is what Apple's certificates use for the UID.
      { type: UID_OID, value: options.topic, valueTagClass: forge.asn1.Type.UTF8 as unknown as forge.asn1.Class },
      { name: 'commonName', value: `APSP:${randomUUID()}` },
      { name: 'countryName', value: 'US' },
    ],
    extensions: [{ name: 'extKeyUsage', clientAuth: true }],
    notAfter: options.notAfter,
  });
  return { certPem, keyPem, caPem };
}
