import type { Pool } from 'pg';
import { ident } from '@espalier/shared/data-access-postgres';

/** One enrollment as the read API shows it: identifiers and state, never secrets. */
export interface EnrollmentView {
  readonly id: string;
  readonly device_id: string;
  readonly parent_id: string | null;
  readonly type: string;
  readonly user_short_name: string | null;
  readonly enabled: boolean;
  readonly token_update_tally: number;
  readonly push_topic: string;
  readonly enrolled_at: string;
  readonly last_seen_at: string;
  readonly cert_hash: string | null;
}

export interface EnrollmentFilter {
  readonly type?: string;
  readonly topic?: string;
  readonly enabled?: boolean;
  /** last_seen_at ≥ this */
  readonly seenSince?: Date;
  /** last_seen_at < this */
  readonly seenBefore?: Date;
}

export interface QueuedView {
  readonly command_uuid: string;
  readonly request_type: string;
  readonly queued_at: string;
  /** null while pending; "NotNow" once the device deferred it. */
  readonly status: string | null;
  readonly not_now_count: number;
}

export interface CommandResultView {
  readonly enrollment_id: string;
  readonly queued_at: string;
  readonly status: string | null;
  readonly not_now_count: number;
  readonly reported_at: string | null;
  /** The device's latest report for this command, exact bytes. */
  readonly result: Buffer | null;
}

const ENROLLMENT = (s: string) => `
  SELECT e.id, e.device_id, e.parent_id, e.type, e.user_short_name,
         (d.disabled_at IS NULL OR e.token_updated_at > d.disabled_at) AS enabled,
         e.token_update_tally, e.topic AS push_topic, e.enrolled_at,
         GREATEST(x.last_seen_at, e.token_updated_at) AS last_seen_at, x.cert_hash
    FROM ${s}.enrollments e
    LEFT JOIN ${s}.disabled d ON d.enrollment_id = e.id
    LEFT JOIN ${s}.seen x ON x.enrollment_id = e.id`;

type Row = Omit<EnrollmentView, 'enrolled_at' | 'last_seen_at'> & { enrolled_at: Date; last_seen_at: Date };
const view = (r: Row): EnrollmentView => ({ ...r, enrolled_at: r.enrolled_at.toISOString(), last_seen_at: r.last_seen_at.toISOString() });

/** The read API's queries over the api.registry projection. */
export class EnrollmentsReader {
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema = 'api',
  ) {
    this.s = ident(schema);
  }

  /** A page in ID order after `afterId`: keyset pagination, stable while enrollments are added. */
  async list(filter: EnrollmentFilter, limit: number, afterId: string | null): Promise<EnrollmentView[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM (${ENROLLMENT(this.s)}) v
        WHERE ($1::text IS NULL OR v.type = $1) AND ($2::text IS NULL OR v.push_topic = $2) AND ($3::boolean IS NULL OR v.enabled = $3)
          AND ($4::timestamptz IS NULL OR v.last_seen_at >= $4) AND ($5::timestamptz IS NULL OR v.last_seen_at < $5)
          AND ($6::text IS NULL OR v.id > $6)
        ORDER BY v.id LIMIT $7`,
      [filter.type ?? null, filter.topic ?? null, filter.enabled ?? null, filter.seenSince ?? null, filter.seenBefore ?? null, afterId, limit],
    );
    return rows.map(view);
  }

  /** The IDs a JSON command's selector names, in ID order: every enrollment, or those of one push topic or type. */
  async select(selector: { all: true } | { topic: string } | { type: string }): Promise<string[]> {
    const [where, params]: [string, string[]] = 'topic' in selector ? ['WHERE topic = $1', [selector.topic]] : 'type' in selector ? ['WHERE type = $1', [selector.type]] : ['', []];
    const { rows } = await this.pool.query<{ id: string }>(`SELECT id FROM ${this.s}.enrollments ${where} ORDER BY id`, params);
    return rows.map((r) => r.id);
  }

  async one(id: string): Promise<EnrollmentView | null> {
    const { rows } = await this.pool.query<Row>(`${ENROLLMENT(this.s)} WHERE e.id = $1`, [id]);
    return rows[0] ? view(rows[0]) : null;
  }

  /** Commands the device will still be sent, in the order it gets them: pending and NotNow'd, after the last Authenticate and clear. */
  async queue(enrollmentId: string): Promise<QueuedView[]> {
    const s = this.s;
    const { rows } = await this.pool.query<Omit<QueuedView, 'queued_at'> & { queued_at: Date }>(
      `SELECT q.command_uuid, q.request_type, q.queued_at, q.status, q.not_now_count
         FROM ${s}.queue q
        WHERE q.enrollment_id = $1 AND (q.status IS NULL OR q.status = 'NotNow')
          AND q.queued_at > coalesce((SELECT authenticated_at FROM ${s}.device_authenticated WHERE device_id = q.device_id), '-infinity')
          AND q.queued_at > coalesce((SELECT cleared_at FROM ${s}.queue_cleared WHERE enrollment_id = $1), '-infinity')
        ORDER BY q.queued_at, q.command_uuid`,
      [enrollmentId],
    );
    return rows.map((r) => ({ ...r, queued_at: r.queued_at.toISOString() }));
  }

  /** A command's request type and its status and latest result per enrollment; null if never submitted. */
  async command(commandUuid: string): Promise<{ request_type: string; enrollments: CommandResultView[] } | null> {
    const s = this.s;
    const [known, entries] = await Promise.all([
      this.pool.query<{ request_type: string }>(`SELECT request_type FROM ${s}.command_uuids WHERE command_uuid = $1`, [commandUuid]),
      this.pool.query<Omit<CommandResultView, 'queued_at' | 'reported_at'> & { queued_at: Date; reported_at: Date | null }>(
        `SELECT enrollment_id, queued_at, status, not_now_count, reported_at, result FROM ${s}.queue WHERE command_uuid = $1 ORDER BY enrollment_id`,
        [commandUuid],
      ),
    ]);
    if (!known.rows[0]) return null;
    return {
      request_type: known.rows[0].request_type,
      enrollments: entries.rows.map((r) => ({ ...r, queued_at: r.queued_at.toISOString(), reported_at: r.reported_at?.toISOString() ?? null })),
    };
  }
}
