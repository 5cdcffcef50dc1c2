import { TOPICS, type EspalierEvent } from '@espalier/contracts/events';
import { prepared, type EventHandler, type EventHandlers, type Projection, type Tx } from '@espalier/shared/data-access-postgres';
import { apiMigrations, apiTables } from './api.migrations';
import { RegistryTraffic } from './registry-traffic.writer';

export const API_PROJECTION = 'api.registry';

type Apply<T extends EspalierEvent['type']> = EventHandler<T>;
type Certified = { enrollmentId: string | null; occurredAt: string; data: { certificate: { hash: string } | null } };

/** Last seen and the certificate used, latest wins whatever the order. */
async function seen(tx: Tx, s: string, e: Certified, at = e.occurredAt): Promise<void> {
  if (e.enrollmentId === null) return;
  const hash = e.data.certificate?.hash ?? null;
  await tx.query(
    prepared(`INSERT INTO ${s}.seen AS x (enrollment_id, last_seen_at, cert_hash, cert_at) VALUES ($1, $2, $3, CASE WHEN $3::text IS NULL THEN NULL ELSE $2::timestamptz END)
     ON CONFLICT (enrollment_id) DO UPDATE SET last_seen_at = GREATEST(x.last_seen_at, excluded.last_seen_at),
       cert_hash = CASE WHEN excluded.cert_at IS NOT NULL AND (x.cert_at IS NULL OR excluded.cert_at >= x.cert_at) THEN excluded.cert_hash ELSE x.cert_hash END,
       cert_at = CASE WHEN excluded.cert_at IS NOT NULL AND (x.cert_at IS NULL OR excluded.cert_at >= x.cert_at) THEN excluded.cert_at ELSE x.cert_at END`),
    [e.enrollmentId, at, hash],
  );
}

const disable = (tx: Tx, s: string, enrollmentId: string, at: string) =>
  tx.query(
    prepared(`INSERT INTO ${s}.disabled AS d (enrollment_id, disabled_at) VALUES ($1, $2)
     ON CONFLICT (enrollment_id) DO UPDATE SET disabled_at = GREATEST(d.disabled_at, excluded.disabled_at)`),
    [enrollmentId, at],
  );

/** A TokenUpdate enrolls (or re-enables: see `disabled`) and counts (NanoMDM's token_update_tally). */
const tokenUpdated: Apply<'TokenUpdated'> = async (tx, s, e) => {
  await seen(tx, s, e);
  await tx.query(
    prepared(`INSERT INTO ${s}.enrollments AS x (id, device_id, type, parent_id, user_short_name, topic, token_update_tally, enrolled_at, token_updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $7)
     ON CONFLICT (id) DO UPDATE SET token_update_tally = x.token_update_tally + 1,
       enrolled_at = LEAST(x.enrolled_at, excluded.enrolled_at),
       type = CASE WHEN excluded.token_updated_at >= x.token_updated_at THEN excluded.type ELSE x.type END,
       user_short_name = CASE WHEN excluded.token_updated_at >= x.token_updated_at THEN excluded.user_short_name ELSE x.user_short_name END,
       topic = CASE WHEN excluded.token_updated_at >= x.token_updated_at THEN excluded.topic ELSE x.topic END,
       token_updated_at = GREATEST(x.token_updated_at, excluded.token_updated_at)`),
    [e.enrollmentId, e.deviceId, e.data.enrollmentType, e.data.parentId, e.data.userShortName ?? null, e.data.pushTopic, e.occurredAt],
  );
};

/** Authenticate disables the device channel and clears its queues (§6.1, §7.5). */
const authenticated: Apply<'EnrollmentAuthenticated'> = async (tx, s, e) => {
  await seen(tx, s, e);
  await disable(tx, s, e.enrollmentId, e.occurredAt);
  await tx.query(
    prepared(`INSERT INTO ${s}.device_authenticated AS d (device_id, authenticated_at) VALUES ($1, $2)
     ON CONFLICT (device_id) DO UPDATE SET authenticated_at = GREATEST(d.authenticated_at, excluded.authenticated_at)`),
    [e.deviceId, e.occurredAt],
  );
};

const checkedOut: Apply<'EnrollmentCheckedOut'> = async (tx, s, e) => {
  await seen(tx, s, e);
  await disable(tx, s, e.enrollmentId, e.occurredAt);
};

const activity = (tx: Tx, s: string, e: EspalierEvent) => seen(tx, s, e as unknown as Certified);
const seenMarker: Apply<'EnrollmentSeen'> = (tx, s, e) => seen(tx, s, { ...e, data: { certificate: null } }, e.data.at);

/** The first submission of a UUID owns it; later ones are duplicates the commands service refuses. */
const submitted: Apply<'CommandSubmitted'> = (tx, s, e) =>
  tx.query(prepared(`INSERT INTO ${s}.command_uuids (command_uuid, submission_id, request_type) VALUES ($1, $2, $3) ON CONFLICT (command_uuid) DO NOTHING`), [
    e.data.commandUuid, e.eventId, e.data.requestType,
  ]);

/** A submission refused for another reason than its UUID (nothing was queued) leaves the UUID free, as NanoMDM's rolled-back transaction does. */
const rejected: Apply<'CommandRejected'> = (tx, s, e) =>
  e.data.reason === 'duplicate-command-uuid' || e.causationId === null
    ? Promise.resolve()
    : tx.query(prepared(`DELETE FROM ${s}.command_uuids WHERE command_uuid = $1 AND submission_id = $2`), [e.data.commandUuid, e.causationId]);

const cleared: Apply<'QueueCleared'> = (tx, s, e) =>
  tx.query(
    prepared(`INSERT INTO ${s}.queue_cleared AS c (enrollment_id, cleared_at) SELECT id, $2 FROM unnest($1::text[]) AS id
     ON CONFLICT (enrollment_id) DO UPDATE SET cleared_at = GREATEST(c.cleared_at, excluded.cleared_at)`),
    [e.data.enrollmentIds, e.occurredAt],
  );

const certUploaded: Apply<'PushCertUploaded'> = (tx, s, e) =>
  tx.query(
    prepared(`INSERT INTO ${s}.push_certs AS c (topic, not_after, uploaded_at, certificate_pem, private_key) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (topic) DO UPDATE SET not_after = excluded.not_after, uploaded_at = excluded.uploaded_at,
       certificate_pem = excluded.certificate_pem, private_key = excluded.private_key
     WHERE excluded.uploaded_at >= c.uploaded_at`),
    [e.data.topic, e.data.notAfter, e.occurredAt, e.data.certificatePem, JSON.stringify(e.data.privateKey)],
  );

/** The API's projection over all three topics. */
export function apiProjection(schema = 'api'): Projection {
  const handlers: EventHandlers = {
    TokenUpdated: tokenUpdated,
    EnrollmentAuthenticated: authenticated,
    EnrollmentCheckedOut: checkedOut,
    UserAuthenticated: activity,
    BootstrapTokenSet: activity,
    BootstrapTokenRetrieved: activity,
    TokenRequested: activity,
    DeclarativeManagementRequested: activity,
    EnrollmentSeen: seenMarker,
    CommandSubmitted: submitted,
    CommandRejected: rejected,
    QueueCleared: cleared,
    PushCertUploaded: certUploaded,
  };
  return {
    name: API_PROJECTION,
    schema,
    topics: [TOPICS.enrollment, TOPICS.command, TOPICS.push],
    tables: apiTables,
    migrations: apiMigrations,
    eventTypes: new Set([...Object.keys(handlers), 'CommandQueued', 'CommandReported']),
    async apply({ tx, schema: s }, events) {
      // Queue traffic goes set-based (registry-traffic.writer.ts); the other handlers write
      // other tables, or `seen` with order-free rules, so they run in place without ending its run.
      const traffic = new RegistryTraffic(tx, s);
      for (const { event } of events) {
        if (event.type === 'CommandQueued') await traffic.queue(event);
        else if (event.type === 'CommandReported') traffic.report(event);
        else await (handlers[event.type] as EventHandler<typeof event.type> | undefined)?.(tx, s, event as never);
      }
      await traffic.flush();
    },
  };
}
