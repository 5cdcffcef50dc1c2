import type { EspalierEvent, EventOf } from '@espalier/contracts/events';
import { TOPICS, type CertificateUse } from '@espalier/contracts/events';
import { recordCertAssociation } from '@espalier/mdm/data-access-cert-auth';
import { prepared, type PositionedEvent, type Projection, type Tx } from '@espalier/shared/data-access-postgres';
import { queueEntries, recordDeliveries, recordResults } from './queue-entries.writer';
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
    prepared(`INSERT INTO ${s}.devices (id, authenticated_at) VALUES ($1, $2)
     ON CONFLICT (id) DO UPDATE SET authenticated_at = GREATEST(${s}.devices.authenticated_at, excluded.authenticated_at)`),
    [e.deviceId, e.occurredAt],
  );
};

/** A TokenUpdate makes the enrollment a queue target (NanoMDM's enrollments row, §6.2). */
const tokenUpdated: Apply<'TokenUpdated'> = async (tx, s, e) => {
  await associate(tx, s, e);
  await tx.query(prepared(`INSERT INTO ${s}.enrollments (id, device_id, enrolled_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`), [
    e.enrollmentId,
    e.deviceId,
    e.occurredAt,
  ]);
};

const certified = (tx: Tx, s: string, e: EspalierEvent) => associate(tx, s, e as Certified);

const submitted: Apply<'CommandSubmitted'> = (tx, s, e) =>
  tx.query(
    prepared(`INSERT INTO ${s}.commands (submission_id, command_uuid, request_type, payload, submitted_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (submission_id) DO NOTHING`),
    [e.eventId, e.data.commandUuid, e.data.requestType, Buffer.from(e.data.payload, 'base64'), e.occurredAt],
  );

/** A refused submission's bytes will never be served. */
const rejected: Apply<'CommandRejected'> = (tx, s, e) =>
  e.causationId === null ? Promise.resolve() : tx.query(prepared(`DELETE FROM ${s}.commands WHERE submission_id = $1`), [e.causationId]);

/** An operator cleared these enrollments' queues (§7.5 for NanoMDM's ClearQueue): their boundary moves. */
const cleared: Apply<'QueueCleared'> = (tx, s, e) =>
  tx.query(
    prepared(`INSERT INTO ${s}.queue_cleared (enrollment_id, cleared_at) SELECT id, $2 FROM unnest($1::text[]) AS id
     ON CONFLICT (enrollment_id) DO UPDATE SET cleared_at = GREATEST(${s}.queue_cleared.cleared_at, excluded.cleared_at)`),
    [e.data.enrollmentIds, e.occurredAt],
  );

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
    QueueCleared: cleared,
  };
  const deleteAnswered = options.deleteAnswered ?? false;
  return {
    name: QUEUE_PROJECTION,
    schema: options.schema ?? 'commands',
    topics: [TOPICS.enrollment, TOPICS.command],
    tables: queueTables,
    migrations: queueMigrations,
    eventTypes: new Set([...Object.keys(handlers), 'CommandQueued', 'CommandDelivered', 'CommandReported']),
    async apply({ tx, schema: s }, events) {
      // Queue traffic is written set-based (queue-entries.writer.ts), a run at a time: a flush
      // writes the run's CommandQueued entries first, then its reports and deliveries (which
      // touch different columns of existing entries, so their order among themselves does not
      // matter). A delivery or report after its CommandQueued in the same run is therefore
      // applied after it. Only a CommandQueued for an entry the run already reported or
      // delivered (a UUID reused after an answer) must wait for those: it resets the entry.
      // The other handlers write other tables (boundaries with GREATEST, enrollments,
      // submissions, associations latest-wins), so the run goes on across them.
      let queued: EventOf<'CommandQueued'>[] = [];
      let delivered: EventOf<'CommandDelivered'>[] = [];
      let reported: EventOf<'CommandReported'>[] = [];
      const touched = new Set<string>();
      const flush = async () => {
        if (queued.length > 0) await queueEntries(tx, s, queued);
        if (reported.length > 0) await recordResults(tx, s, reported, deleteAnswered);
        if (delivered.length > 0) await recordDeliveries(tx, s, delivered);
        queued = [];
        delivered = [];
        reported = [];
        touched.clear();
      };
      const entry = (e: { enrollmentId: string; data: { commandUuid: string | null } }) => `${e.enrollmentId}\u0000${e.data.commandUuid}`;
      for (const { event } of events as readonly PositionedEvent[]) {
        switch (event.type) {
          case 'CommandQueued':
            if (touched.has(entry(event))) await flush();
            queued.push(event);
            continue;
          case 'CommandDelivered':
          case 'CommandReported':
            touched.add(entry(event));
            if (event.type === 'CommandDelivered') delivered.push(event);
            else {
              await associate(tx, s, event);
              reported.push(event);
            }
            continue;
        }
        const handler = handlers[event.type] as Apply<typeof event.type> | undefined;
        if (handler) await handler(tx, s, event as never);
      }
      await flush();
    },
  };
}
