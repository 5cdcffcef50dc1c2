import type { CertificateUse } from '@espalier/contracts/events';
import { prepared, type Tx } from '@espalier/shared/data-access-postgres';

export interface AssociationFact {
  readonly deviceId: string;
  readonly certificate: CertificateUse;
  readonly at: string;
}

/**
 * Records the cert-auth association a request made (§8.4): `new` and
 * `retroactive` add the (device channel, hash) pair to the projection's
 * `cert_associations` table; `existing` and no certificate add nothing.
 * Each service that authenticates devices keeps its own copy of the table.
 *
 * The earliest association wins: check-ins and reports (two topics) can both
 * associate the same pair, and a rebuild may apply them in either order.
 */
export async function recordCertAssociation(tx: Tx, quotedSchema: string, fact: AssociationFact): Promise<void> {
  const cert = fact.certificate;
  if (!cert || cert.association === 'existing') return;
  await tx.query(
    prepared(`INSERT INTO ${quotedSchema}.cert_associations AS a (device_id, cert_hash, association, associated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (device_id, cert_hash) DO UPDATE SET association = excluded.association, associated_at = excluded.associated_at
     WHERE excluded.associated_at < a.associated_at`),
    [fact.deviceId, cert.hash, cert.association, fact.at],
  );
}
