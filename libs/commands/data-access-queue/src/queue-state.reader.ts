import type { Pool } from 'pg';
import { ident, prepared } from '@espalier/shared/data-access-postgres';

/** The rows a report needs (the domain's ReportState has this shape). */
export interface ReportStateRow {
  readonly association: { readonly withThisDevice: boolean; readonly hashOwners: readonly string[]; readonly deviceHasAny: boolean };
  readonly commandKnown: boolean;
  readonly next: { readonly commandUuid: string; readonly payload: Buffer } | null;
}

/** What the projection knows of one submission (the domain's EnqueueState, less the enrollments). */
export interface SubmissionRow {
  readonly submission: 'undecided' | 'accepted' | 'rejected';
  readonly uuidTaken: boolean;
  readonly queuedTargets: ReadonlySet<string>;
}

export interface ReportLookup {
  readonly enrollmentId: string;
  readonly deviceChannelId: string;
  readonly certHash: string;
  /** The reported CommandUUID ('' for none). */
  readonly commandUuid: string;
  /** The reply lookup derived from the report (the domain's nextCommandQuery). */
  readonly next: { readonly excludeCommandUuid: string | null; readonly skipNotNow: boolean };
  /** Delete mode: a command every enrollment answered is gone (NanoMDM deletes its row). */
  readonly deleteAnswered: boolean;
}

/**
 * The commands service's reads. Each is a handful of index lookups whose cost
 * depends on one enrollment's rows (or one command's), never on table size.
 */
export class QueueStateReader {
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema = 'commands',
  ) {
    this.s = ident(schema);
  }

  /** Everything a report needs, in one round trip: cert-auth facts, whether the command exists, and the reply. */
  async reportState(lookup: ReportLookup): Promise<ReportStateRow> {
    const s = this.s;
    const { rows } = await this.pool.query<{ owners: string[] | null; device_has_any: boolean; command_known: boolean; next_uuid: string | null; next_payload: Buffer | null }>(
      prepared(`SELECT (SELECT array_agg(device_id) FROM ${s}.cert_associations WHERE cert_hash = $3) AS owners,
              EXISTS (SELECT 1 FROM ${s}.cert_associations WHERE device_id = $2) AS device_has_any,
              EXISTS (SELECT 1 FROM ${s}.enrollment_commands WHERE command_uuid = $4 AND queued_at IS NOT NULL
                       AND (NOT $7::boolean OR status IS NULL OR status = 'NotNow')) AS command_known,
              n.command_uuid AS next_uuid, n.payload AS next_payload
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (
           SELECT q.command_uuid, c.payload
             FROM ${s}.enrollment_commands q JOIN ${s}.commands c ON c.submission_id = q.submission_id
            WHERE q.enrollment_id = $1 AND q.queued_at IS NOT NULL
              AND (q.status IS NULL OR (q.status = 'NotNow' AND NOT $6::boolean))
              AND q.queued_at > coalesce((SELECT authenticated_at FROM ${s}.devices WHERE id = $2), '-infinity')
              AND q.queued_at > coalesce((SELECT cleared_at FROM ${s}.queue_cleared WHERE enrollment_id = $1), '-infinity')
              AND q.command_uuid IS DISTINCT FROM $5
            ORDER BY q.queued_at, q.queue_seq
            LIMIT 1) AS n ON true`),
      [lookup.enrollmentId, lookup.deviceChannelId, lookup.certHash, lookup.commandUuid, lookup.next.excludeCommandUuid, lookup.next.skipNotNow, lookup.deleteAnswered],
    );
    const r = rows[0];
    const owners = r.owners ?? [];
    return {
      association: { withThisDevice: owners.includes(lookup.deviceChannelId), hashOwners: owners, deviceHasAny: r.device_has_any },
      commandKnown: r.command_known,
      next: r.next_uuid === null || r.next_payload === null ? null : { commandUuid: r.next_uuid, payload: r.next_payload },
    };
  }

  /**
   * What the projection knows of a submission (see EnqueueState): its own
   * row, whether another submission holds the UUID, and which targets it
   * already queued (only read when it was accepted before).
   */
  async submissionState(submissionId: string, commandUuid: string, deleteAnswered: boolean): Promise<SubmissionRow> {
    const s = this.s;
    const { rows } = await this.pool.query<{ stored: boolean; accepted: boolean; taken: boolean }>(
      prepared(`SELECT EXISTS (SELECT 1 FROM ${s}.commands WHERE submission_id = $1) AS stored,
              EXISTS (SELECT 1 FROM ${s}.accepted_submissions WHERE submission_id = $1) AS accepted,
              EXISTS (SELECT 1 FROM ${s}.enrollment_commands
                       WHERE command_uuid = $2 AND submission_id <> $1 AND queued_at IS NOT NULL
                         AND (NOT $3::boolean OR status IS NULL OR status = 'NotNow')) AS taken`),
      [submissionId, commandUuid, deleteAnswered],
    );
    const r = rows[0];
    const submission: SubmissionRow['submission'] = !r.stored ? 'rejected' : r.accepted ? 'accepted' : 'undecided';
    let queuedTargets = new Set<string>();
    if (submission === 'accepted') {
      const queued = await this.pool.query<{ enrollment_id: string }>(
        prepared(`SELECT enrollment_id FROM ${s}.enrollment_commands WHERE command_uuid = $1 AND submission_id = $2`),
        [commandUuid, submissionId],
      );
      queuedTargets = new Set(queued.rows.map((q) => q.enrollment_id));
    }
    return { submission, uuidTaken: r.taken, queuedTargets };
  }

  /** Which of these enrollment IDs exist (had a TokenUpdate), with their device-channel IDs. */
  async knownEnrollments(ids: readonly string[]): Promise<Map<string, string>> {
    const { rows } = await this.pool.query<{ id: string; device_id: string }>(prepared(`SELECT id, device_id FROM ${this.s}.enrollments WHERE id = ANY($1::text[])`), [ids]);
    return new Map(rows.map((r) => [r.id, r.device_id]));
  }
}
