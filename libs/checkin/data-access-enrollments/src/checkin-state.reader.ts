import type { Pool } from 'pg';
import type { EncryptedSecret } from '@espalier/contracts/events';
import { ident, prepared } from '@espalier/shared/data-access-postgres';

export interface CheckinStateRow {
  readonly deviceKnown: boolean;
  readonly hasBootstrapToken: boolean;
  readonly association: { withThisDevice: boolean; hashOwners: string[]; deviceHasAny: boolean } | null;
}

/**
 * Point lookups for one check-in (hot path: one round trip, indexed by
 * primary key and cert hash, whatever the table sizes).
 */
export class CheckinStateReader {
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema = 'checkin',
  ) {
    this.s = ident(schema);
  }

  async read(deviceChannelId: string, certHash: string | null): Promise<CheckinStateRow> {
    const { rows } = await this.pool.query<{ device_known: boolean; has_bootstrap: boolean; owners: string[] | null; device_has_any: boolean }>(
      prepared(`SELECT d.id IS NOT NULL AS device_known,
              coalesce(d.bootstrap_token IS NOT NULL, false) AS has_bootstrap,
              (SELECT array_agg(device_id) FROM ${this.s}.cert_associations WHERE cert_hash = $2) AS owners,
              EXISTS (SELECT 1 FROM ${this.s}.cert_associations WHERE device_id = $1) AS device_has_any
         FROM (SELECT 1) AS one LEFT JOIN ${this.s}.devices d ON d.id = $1`),
      [deviceChannelId, certHash ?? ''],
    );
    const r = rows[0];
    const owners = r.owners ?? [];
    return {
      deviceKnown: r.device_known,
      hasBootstrapToken: r.has_bootstrap,
      association: certHash === null ? null : { withThisDevice: owners.includes(deviceChannelId), hashOwners: owners, deviceHasAny: r.device_has_any },
    };
  }

  async bootstrapToken(deviceChannelId: string): Promise<EncryptedSecret | null> {
    const { rows } = await this.pool.query<{ bootstrap_token: EncryptedSecret | null }>(prepared(`SELECT bootstrap_token FROM ${this.s}.devices WHERE id = $1`), [
      deviceChannelId,
    ]);
    return rows[0]?.bootstrap_token ?? null;
  }

  /** The device-channel ID a certificate is associated with, for the auth proxy (§11.4: one ID, like SQL's LIMIT 1). */
  async enrollmentForCertificate(certHash: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ device_id: string }>(
      prepared(`SELECT device_id FROM ${this.s}.cert_associations WHERE cert_hash = $1 ORDER BY associated_at, device_id LIMIT 1`),
      [certHash],
    );
    return rows[0]?.device_id ?? null;
  }
}
