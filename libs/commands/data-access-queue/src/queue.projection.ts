import type { EspalierEvent, EventOf } from '@espalier/contracts/events';
import { TOPICS, type CertificateUse } from '@espalier/contracts/events';
import { recordCertAssociation } from '@espalier/mdm/data-access-cert-auth';
import type { PositionedEvent, Projection, Tx } from '@espalier/shared/data-access-postgres';
import { queueMigrations, queueTables } from './queue.migrations';

export const QUEUE_PROJECTION = 'commands.queue';

export interface QueueProjectionOptions {
  readonly schema?: string;
  /** NanoMDM's SQL `delete=1` (§7.2): an answered command's row is deleted instead of kept. */
  readonly deleteAnswered?: boolean;
}

type Apply<T extends EspalierEvent['type']> = (tx: Tx, s: string, e: EventOf<T>) => Promise<unknown>;
type Certified = EspalierEvent & { deviceId: string; data: { certificate: CertificateUse } };

/** Cert-auth associations made by check-ins and, with -retro, by reports (§8.4). */
function associate(tx: Tx, s: string, e: Certified): Promise<void> {
  return recordCertAssociation(tx, s, { deviceId: e.deviceId, certificate: e.data.certificate, at: e.occurredAt });
}

/** Authenticate clears the device's queues (§7.5) by moving its boundary; GREATEST keeps replay order-free. */
const authenticated: Apply<'EnrollmentAuthenticated'> = async (tx, s, e) => {
  await associate(tx, s, e);
  await tx.query(
    `INSERT INTO ${s}.devices (id, authenticated_at) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET authenticated_at = GREATEST(${s}.devices.authenticated_at, excluded.authenticated_at)`,
    [e.deviceId, e.occurredAt],
  );
};

/** A TokenUpdate makes the enrollment a queue target (NanoMDM's enrollments row, §6.2). */
const tokenUpdated: Apply<'TokenUpdated'> = async (tx, s, e) => {
  await associate(tx, s, e);
  await tx.query(`INSERT INTO ${s}.enrollments (id, device_id, enrolled_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [
    e.enrollmentId,
    e.deviceId,
    e.occurredAt,
  ]);
};

const certified = (tx: Tx, s: string, e: EspalierEvent) => associate(tx, s, e as Certified);

const submitted: Apply<'CommandSubmitted'> = (tx, s, e) =>
  tx.query(
    `INSERT INTO ${s}.commands (submission_id, command_uuid, request_type, payload, submitted_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (submission_id) DO NOTHING`,
    [e.eventId, e.data.commandUuid, e.data.requestType, Buffer.from(e.data.payload, 'base64'), e.occurredAt],
  );

/** A refused submission's bytes will never be served. */
const rejected: Apply<'CommandRejected'> = (tx, s, e) =>
  e.causationId === null ? Promise.resolve() : tx.query(`DELETE FROM ${s}.commands WHERE submission_id = $1`, [e.causationId]);

const delivered: Apply<'CommandDelivered'> = (tx, s, e) =>
  tx.query(
    `UPDATE ${s}.enrollment_commands SET delivered_at = $3, deliveries = deliveries + 1 WHERE enrollment_id = $1 AND command_uuid = $2`,
    [e.enrollmentId, e.data.commandUuid, e.occurredAt],
  );

/**
 * Results as NanoMDM's SQL stores them (§7.2, §7.4): latest status and raw
 * report, first NotNow time and NotNow count; Idle stores nothing. In delete
 * mode an answer keeps only its status (the entry stays as a marker, so the
 * UUID's reuse and a restarted enqueue can be decided), not the result.
 */
function reported(deleteAnswered: boolean): Apply<'CommandReported'> {
  return async (tx, s, e) => {
    await associate(tx, s, e);
    const { commandUuid, notNow } = e.data;
    if (commandUuid === null) return;
    if (deleteAnswered && !notNow) {
      // Never stored, so nothing to delete when the command is unknown (NanoMDM answers 200).
      await tx.query(
        `UPDATE ${s}.enrollment_commands SET status = $3, result = NULL, reported_at = $4 WHERE enrollment_id = $1 AND command_uuid = $2`,
        [e.enrollmentId, commandUuid, e.data.status, e.occurredAt],
      );
      return;
    }
    await tx.query(
      `INSERT INTO ${s}.enrollment_commands (enrollment_id, command_uuid, device_id, status, result, reported_at, not_now_at, not_now_tally)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (enrollment_id, command_uuid) DO UPDATE SET status = excluded.status, result = excluded.result,
         reported_at = excluded.reported_at, not_now_at = coalesce(${s}.enrollment_commands.not_now_at, excluded.not_now_at),
         not_now_tally = ${s}.enrollment_commands.not_now_tally + excluded.not_now_tally`,
      [
        e.enrollmentId,
        commandUuid,
        e.deviceId,
        e.data.status,
        Buffer.from(e.data.raw, 'base64'),
        e.occurredAt,
        notNow ? e.occurredAt : null,
        notNow ? 1 : 0,
      ],
    );
  };
}

/**
 * Consecutive CommandQueued events (a submission to many enrollments) go in
 * one statement. The entry's FIFO position is its CommandQueued time, ties
 * broken by that event's ID (UUIDv7, ordered within its producer). A UUID
 * reused after every enrollment answered it (delete mode) starts a fresh
 * entry; the same submission queued again changes nothing.
 */
async function queued(tx: Tx, s: string, events: readonly EventOf<'CommandQueued'>[]): Promise<void> {
  // The first of two for one entry stands, as it does when they fall in separate batches.
  const first = new Map<string, EventOf<'CommandQueued'>>();
  for (const e of events) {
    const key = `${e.enrollmentId}\u0000${e.data.commandUuid}`;
    if (!first.has(key)) first.set(key, e);
  }
  const unique = [...first.values()];
  const submissionOf = (e: EventOf<'CommandQueued'>) => e.causationId ?? e.eventId;
  await tx.query(
    `INSERT INTO ${s}.enrollment_commands AS q (enrollment_id, command_uuid, device_id, submission_id, queued_at, queue_seq)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[])
     ON CONFLICT (enrollment_id, command_uuid) DO UPDATE SET submission_id = excluded.submission_id, queued_at = excluded.queued_at,
       queue_seq = excluded.queue_seq, delivered_at = NULL, deliveries = 0, status = NULL, result = NULL, reported_at = NULL,
       not_now_at = NULL, not_now_tally = 0
     WHERE q.submission_id IS DISTINCT FROM excluded.submission_id`,
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
  await tx.query(`INSERT INTO ${s}.accepted_submissions (submission_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`, [
    [...new Set(unique.map(submissionOf))],
  ]);
}

/** The commands service's projection over mdm.enrollment (who may be served) and mdm.command (queues and results). */
export function queueProjection(options: QueueProjectionOptions = {}): Projection {
  const handlers: { [T in EspalierEvent['type']]?: Apply<T> } = {
    EnrollmentAuthenticated: authenticated,
    TokenUpdated: tokenUpdated,
    EnrollmentCheckedOut: certified,
    UserAuthenticated: certified,
    BootstrapTokenSet: certified,
    BootstrapTokenRetrieved: certified,
    DeclarativeManagementRequested: certified,
    TokenRequested: certified,
    CommandSubmitted: submitted,
    CommandRejected: rejected,
    CommandDelivered: delivered,
    CommandReported: reported(options.deleteAnswered ?? false),
  };
  return {
    name: QUEUE_PROJECTION,
    schema: options.schema ?? 'commands',
    topics: [TOPICS.enrollment, TOPICS.command],
    tables: queueTables,
    migrations: queueMigrations,
    async apply({ tx, schema: s }, events) {
      let run: EventOf<'CommandQueued'>[] = [];
      const flush = async () => {
        if (run.length > 0) await queued(tx, s, run);
        run = [];
      };
      for (const { event } of events as readonly PositionedEvent[]) {
        if (event.type === 'CommandQueued') {
          run.push(event);
          continue;
        }
        await flush();
        const handler = handlers[event.type] as Apply<typeof event.type> | undefined;
        if (handler) await handler(tx, s, event as never);
      }
      await flush();
    },
  };
}
