import { TOPICS, type EspalierEvent, type EventOf } from '@espalier/contracts/events';
import type { Projection, Tx } from '@espalier/shared/data-access-postgres';
import { apiMigrations, apiTables } from './api.migrations';

export const API_PROJECTION = 'api.registry';

type Apply<T extends EspalierEvent['type']> = (tx: Tx, s: string, e: EventOf<T>) => Promise<unknown>;

const tokenUpdated: Apply<'TokenUpdated'> = (tx, s, e) =>
  tx.query(`INSERT INTO ${s}.enrollments (id, device_id, enrolled_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING`, [e.enrollmentId, e.deviceId, e.occurredAt]);

/** The first submission of a UUID owns it; later ones are duplicates the commands service refuses. */
const submitted: Apply<'CommandSubmitted'> = (tx, s, e) =>
  tx.query(`INSERT INTO ${s}.command_uuids (command_uuid, submission_id) VALUES ($1, $2) ON CONFLICT (command_uuid) DO NOTHING`, [e.data.commandUuid, e.eventId]);

/** A submission refused for another reason than its UUID (nothing was queued) leaves the UUID free, as NanoMDM's rolled-back transaction does. */
const rejected: Apply<'CommandRejected'> = (tx, s, e) =>
  e.data.reason === 'duplicate-command-uuid' || e.causationId === null
    ? Promise.resolve()
    : tx.query(`DELETE FROM ${s}.command_uuids WHERE command_uuid = $1 AND submission_id = $2`, [e.data.commandUuid, e.causationId]);

const certUploaded: Apply<'PushCertUploaded'> = (tx, s, e) =>
  tx.query(
    `INSERT INTO ${s}.push_certs AS c (topic, not_after, uploaded_at, certificate_pem, private_key) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (topic) DO UPDATE SET not_after = excluded.not_after, uploaded_at = excluded.uploaded_at,
       certificate_pem = excluded.certificate_pem, private_key = excluded.private_key
     WHERE excluded.uploaded_at >= c.uploaded_at`,
    [e.data.topic, e.data.notAfter, e.occurredAt, e.data.certificatePem, JSON.stringify(e.data.privateKey)],
  );

/** The API's projection over all three topics. */
export function apiProjection(schema = 'api'): Projection {
  const handlers: { [T in EspalierEvent['type']]?: Apply<T> } = {
    TokenUpdated: tokenUpdated,
    CommandSubmitted: submitted,
    CommandRejected: rejected,
    PushCertUploaded: certUploaded,
  };
  return {
    name: API_PROJECTION,
    schema,
    topics: [TOPICS.enrollment, TOPICS.command, TOPICS.push],
    tables: apiTables,
    migrations: apiMigrations,
    eventTypes: new Set(Object.keys(handlers)),
    async apply({ tx, schema: s }, events) {
      for (const { event } of events) {
        const handler = handlers[event.type] as Apply<typeof event.type> | undefined;
        if (handler) await handler(tx, s, event as never);
      }
    },
  };
}
