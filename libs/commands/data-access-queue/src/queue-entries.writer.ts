import type { EventOf } from '@espalier/contracts/events';
import { prepared, type Tx } from '@espalier/shared/data-access-postgres';

type Queued = EventOf<'CommandQueued'>;
type Delivered = EventOf<'CommandDelivered'>;
type Reported = EventOf<'CommandReported'>;

const keyOf = (enrollmentId: string, commandUuid: string) => `${enrollmentId}\u0000${commandUuid}`;

/**
 * Set-based writes of queue entries: a projection batch is a handful of
 * statements whatever its size, because device traffic (a report, then the
 * command served in reply) is most of what the log carries.
 *
 * Consecutive CommandQueued events (a submission to many enrollments) go in
 * one statement. The entry's FIFO position is its CommandQueued time, ties
 * broken by that event's ID (UUIDv7, ordered within its producer). A UUID
 * reused after every enrollment answered it (delete mode) starts a fresh
 * entry; the same submission queued again changes nothing.
 */
export async function queueEntries(tx: Tx, s: string, events: readonly Queued[]): Promise<void> {
  // The first of two for one entry stands, as it does when they fall in separate batches.
  const first = new Map<string, Queued>();
  for (const e of events) if (!first.has(keyOf(e.enrollmentId, e.data.commandUuid))) first.set(keyOf(e.enrollmentId, e.data.commandUuid), e);
  const unique = [...first.values()];
  const submissionOf = (e: Queued) => e.causationId ?? e.eventId;
  await tx.query(
    prepared(`INSERT INTO ${s}.enrollment_commands AS q (enrollment_id, command_uuid, device_id, submission_id, queued_at, queue_seq)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
     ON CONFLICT (enrollment_id, command_uuid) DO UPDATE SET submission_id = excluded.submission_id, queued_at = excluded.queued_at,
       queue_seq = excluded.queue_seq, delivered_at = NULL, deliveries = 0, status = NULL, result = NULL, reported_at = NULL,
       not_now_at = NULL, not_now_tally = 0
     WHERE q.submission_id IS DISTINCT FROM excluded.submission_id`),
    [
      unique.map((e) => e.enrollmentId),
      unique.map((e) => e.data.commandUuid),
      unique.map((e) => e.deviceId),
      unique.map(submissionOf),
      unique.map((e) => e.occurredAt),
      unique.map((e) => e.eventId),
    ],
  );
  // Insert-only, so it does not matter whether the submission (another partition) was applied yet.
  await tx.query(prepared(`INSERT INTO ${s}.accepted_submissions (submission_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`), [
    [...new Set(unique.map(submissionOf))],
  ]);
}

/** Deliveries: the last time and how many, per entry (an entry that does not exist is left alone, as one UPDATE each would). */
export async function recordDeliveries(tx: Tx, s: string, events: readonly Delivered[]): Promise<void> {
  const per = new Map<string, { e: string; c: string; at: string; n: number }>();
  for (const ev of events) {
    const key = keyOf(ev.enrollmentId, ev.data.commandUuid);
    const seen = per.get(key);
    per.set(key, { e: ev.enrollmentId, c: ev.data.commandUuid, at: ev.occurredAt, n: (seen?.n ?? 0) + 1 });
  }
  const rows = [...per.values()];
  await tx.query(
    prepared(`UPDATE ${s}.enrollment_commands q SET delivered_at = v.at, deliveries = q.deliveries + v.n
       FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::int[]) AS v(e, c, at, n)
      WHERE q.enrollment_id = v.e AND q.command_uuid = v.c`),
    [rows.map((r) => r.e), rows.map((r) => r.c), rows.map((r) => r.at), rows.map((r) => r.n)],
  );
}

interface ResultRow {
  enrollmentId: string;
  commandUuid: string;
  deviceId: string;
  status: string;
  result: Buffer | null;
  reportedAt: string;
  notNowAt: string | null;
  notNowTally: number;
  /** Only answers, in delete mode: never stored, so only an existing entry is updated. */
  updateOnly: boolean;
}

/**
 * Results as NanoMDM's SQL stores them (§7.2, §7.4): latest status and raw
 * report, first NotNow time and NotNow count; Idle stores nothing. In delete
 * mode an answer keeps only its status (the entry stays as a marker, so the
 * UUID's reuse and a restarted enqueue can be decided), not the result, and
 * an answer to a command the entry does not know stores nothing (NanoMDM
 * deletes nothing and answers 200). Several reports of one entry in a run
 * fold into what applying them one by one would leave.
 */
export async function recordResults(tx: Tx, s: string, events: readonly Reported[], deleteAnswered: boolean): Promise<void> {
  const per = new Map<string, ResultRow>();
  for (const ev of events) {
    const { commandUuid, notNow } = ev.data;
    if (commandUuid === null) continue;
    const key = keyOf(ev.enrollmentId, commandUuid);
    const seen = per.get(key);
    const keep = notNow || !deleteAnswered;
    per.set(key, {
      enrollmentId: ev.enrollmentId,
      commandUuid,
      deviceId: ev.deviceId,
      status: ev.data.status,
      result: keep ? Buffer.from(ev.data.raw, 'base64') : null,
      reportedAt: ev.occurredAt,
      notNowAt: seen?.notNowAt ?? (notNow ? ev.occurredAt : null),
      notNowTally: (seen?.notNowTally ?? 0) + (notNow ? 1 : 0),
      updateOnly: (seen?.updateOnly ?? true) && !keep,
    });
  }
  const all = [...per.values()];
  const upserts = all.filter((r) => !r.updateOnly);
  const updates = all.filter((r) => r.updateOnly);
  if (upserts.length > 0) {
    await tx.query(
      prepared(`INSERT INTO ${s}.enrollment_commands AS q (enrollment_id, command_uuid, device_id, status, result, reported_at, not_now_at, not_now_tally)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bytea[], $6::timestamptz[], $7::timestamptz[], $8::int[])
       ON CONFLICT (enrollment_id, command_uuid) DO UPDATE SET status = excluded.status, result = excluded.result,
         reported_at = excluded.reported_at, not_now_at = coalesce(q.not_now_at, excluded.not_now_at),
         not_now_tally = q.not_now_tally + excluded.not_now_tally`),
      [
        upserts.map((r) => r.enrollmentId),
        upserts.map((r) => r.commandUuid),
        upserts.map((r) => r.deviceId),
        upserts.map((r) => r.status),
        upserts.map((r) => r.result),
        upserts.map((r) => r.reportedAt),
        upserts.map((r) => r.notNowAt),
        upserts.map((r) => r.notNowTally),
      ],
    );
  }
  if (updates.length > 0) {
    await tx.query(
      prepared(`UPDATE ${s}.enrollment_commands q SET status = v.status, result = NULL, reported_at = v.at
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[]) AS v(e, c, status, at)
        WHERE q.enrollment_id = v.e AND q.command_uuid = v.c`),
      [updates.map((r) => r.enrollmentId), updates.map((r) => r.commandUuid), updates.map((r) => r.status), updates.map((r) => r.reportedAt)],
    );
  }
}
