import type { Pool } from 'pg';
import { ident } from '@espalier/shared/data-access-postgres';

/** One event in an enrollment's history: the envelope, where the log holds it, its data without secrets. */
export interface HistoryEventView {
  readonly event_id: string;
  readonly type: string;
  readonly version: number;
  readonly occurred_at: string;
  readonly source: string;
  readonly correlation_id: string;
  readonly causation_id: string | null;
  readonly log: { readonly topic: string; readonly partition: number; readonly offset: string };
  readonly data: Readonly<Record<string, unknown>>;
  /** Data keys present in the log record and not shown here (secrets, request bytes). */
  readonly withheld: readonly string[];
}

/** Where a page starts: after this (occurred_at, event_id), in the page's direction. */
export interface HistoryPosition {
  readonly occurredAt: string;
  readonly eventId: string;
}

export interface HistoryQuery {
  readonly limit: number;
  readonly after: HistoryPosition | null;
  readonly newestFirst: boolean;
  /** Only these event types; null: all. */
  readonly types: readonly string[] | null;
  /** occurred_at ≥ this */
  readonly since: Date | null;
}

type Row = Omit<HistoryEventView, 'occurred_at' | 'log'> & { occurred_at: Date; topic: string; partition: number; log_offset: string };

/** Pages through the api.history projection in event time order (ties by event ID, itself time-ordered). */
export class HistoryReader {
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema = 'api',
  ) {
    this.s = ident(schema);
  }

  async page(enrollmentId: string, q: HistoryQuery): Promise<HistoryEventView[]> {
    const [cmp, dir] = q.newestFirst ? ['<', 'DESC'] : ['>', 'ASC'];
    const { rows } = await this.pool.query<Row>(
      `SELECT event_id, type, version, occurred_at, source, correlation_id, causation_id, topic, partition, log_offset::text AS log_offset, data, withheld
         FROM ${this.s}.history
        WHERE enrollment_id = $1
          AND ($2::timestamptz IS NULL OR (occurred_at, event_id) ${cmp} ($2::timestamptz, $3::text))
          AND ($4::text[] IS NULL OR type = ANY($4))
          AND ($5::timestamptz IS NULL OR occurred_at >= $5)
        ORDER BY occurred_at ${dir}, event_id ${dir}
        LIMIT $6`,
      [enrollmentId, q.after?.occurredAt ?? null, q.after?.eventId ?? null, q.types, q.since, q.limit],
    );
    return rows.map(({ topic, partition, log_offset, occurred_at, ...r }) => ({ ...r, occurred_at: occurred_at.toISOString(), log: { topic, partition, offset: log_offset } }));
  }

  /** Whether the log holds any event about this enrollment. */
  async known(enrollmentId: string): Promise<boolean> {
    const { rows } = await this.pool.query(`SELECT 1 FROM ${this.s}.history WHERE enrollment_id = $1 LIMIT 1`, [enrollmentId]);
    return rows.length > 0;
  }
}
