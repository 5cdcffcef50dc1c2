import type { Pool } from 'pg';
import type { EncryptedSecret } from '@espalier/contracts/events';
import { ident } from '@espalier/shared/data-access-postgres';

/** Push data of one enrollment (§9.1); `invalid` when APNs refused its token since the last TokenUpdate. */
export interface PushTarget {
  readonly deviceId: string;
  readonly topic: string;
  readonly tokenHex: string;
  readonly pushMagic: string;
  readonly invalid: boolean;
}

/** A topic's current certificate; uploadEventId changes with every upload (NanoMDM's stale token, §9.2). */
export interface PushCertificate {
  readonly certificatePem: string;
  /** Sealed as in PushCertUploaded: open it with SecretBox. */
  readonly privateKey: EncryptedSecret;
  readonly notAfter: Date;
  readonly uploadEventId: string;
}

/** The push service's reads: one primary-key lookup each, whatever the table sizes. */
export class PushTargetsReader {
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema = 'push',
  ) {
    this.s = ident(schema);
  }

  /** Push data of those enrollments that have it; an ID without a TokenUpdate is absent. */
  async targets(enrollmentIds: readonly string[]): Promise<Map<string, PushTarget>> {
    const { rows } = await this.pool.query<{ enrollment_id: string; device_id: string; topic: string; token_hex: string; push_magic: string; invalid: boolean }>(
      `SELECT t.enrollment_id, t.device_id, t.topic, t.token_hex, t.push_magic, coalesce(i.invalid_at > t.token_updated_at AND (i.token_hex IS NULL OR i.token_hex = t.token_hex), false) AS invalid
         FROM ${this.s}.push_targets t LEFT JOIN ${this.s}.push_invalid i ON i.enrollment_id = t.enrollment_id
        WHERE t.enrollment_id = ANY($1::text[])`,
      [enrollmentIds],
    );
    return new Map(rows.map((r) => [r.enrollment_id, { deviceId: r.device_id, topic: r.topic, tokenHex: r.token_hex, pushMagic: r.push_magic, invalid: r.invalid }]));
  }

  async certificate(topic: string): Promise<PushCertificate | null> {
    const { rows } = await this.pool.query<{ certificate_pem: string; private_key: EncryptedSecret; not_after: Date; upload_event_id: string }>(
      `SELECT certificate_pem, private_key, not_after, upload_event_id FROM ${this.s}.push_certs WHERE topic = $1`,
      [topic],
    );
    const r = rows[0];
    return r === undefined ? null : { certificatePem: r.certificate_pem, privateKey: r.private_key, notAfter: r.not_after, uploadEventId: r.upload_event_id };
  }
}
