import type { Pool } from 'pg';
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

  async pushCertNotAfter(topic: string): Promise<Date | null> {
    const { rows } = await this.pool.query<{ not_after: Date }>(`SELECT not_after FROM ${this.s}.push_certs WHERE topic = $1`, [topic]);
    return rows[0]?.not_after ?? null;
  }
}
