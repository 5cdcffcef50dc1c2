import type { Pool } from 'pg';
import type { EncryptedSecret } from '@espalier/contracts/events';
import { ident } from '@espalier/shared/data-access-postgres';

/** The API's reads; each one index lookup. */
export class ApiReader {
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema = 'api',
  ) {
    this.s = ident(schema);
  }

  /** Which of these IDs are enrollments, and whether the UUID is taken: one round trip. */
  async enqueueFacts(commandUuid: string, ids: readonly string[]): Promise<{ known: Set<string>; uuidUsed: boolean }> {
    const { rows } = await this.pool.query<{ known: string[] | null; used: boolean }>(
      `SELECT (SELECT array_agg(id) FROM ${this.s}.enrollments WHERE id = ANY($2::text[])) AS known,
              EXISTS (SELECT 1 FROM ${this.s}.command_uuids WHERE command_uuid = $1) AS used`,
      [commandUuid, [...new Set(ids)]],
    );
    return { known: new Set(rows[0].known ?? []), uuidUsed: rows[0].used };
  }

  /** The topic's certificate and its key, still sealed (open it with SecretBox, the topic as AAD). */
  async pushCertificate(topic: string): Promise<{ certificatePem: string; privateKey: EncryptedSecret } | null> {
    const { rows } = await this.pool.query<{ certificate_pem: string; private_key: EncryptedSecret }>(
      `SELECT certificate_pem, private_key FROM ${this.s}.push_certs WHERE topic = $1`,
      [topic],
    );
    const r = rows[0];
    return r === undefined ? null : { certificatePem: r.certificate_pem, privateKey: r.private_key };
  }

  async pushCertNotAfter(topic: string): Promise<Date | null> {
    const { rows } = await this.pool.query<{ not_after: Date }>(`SELECT not_after FROM ${this.s}.push_certs WHERE topic = $1`, [topic]);
    return rows[0]?.not_after ?? null;
  }
}
