import type { EspalierEvent } from '@espalier/contracts/events';
import { TOPICS } from '@espalier/contracts/events';
import { prepared, applyByType, type EventHandler, type EventHandlers, type Projection } from '@espalier/shared/data-access-postgres';
import { pushMigrations, pushTables } from './push.migrations';

export const PUSH_TARGETS_PROJECTION = 'push.targets';

/** APNs reasons that condemn the token itself, not the push (a later TokenUpdate clears them). */
export const INVALID_TOKEN_REASONS: ReadonlySet<string> = new Set(['Unregistered', 'BadDeviceToken', 'DeviceTokenNotForTopic']);

type Apply<T extends EspalierEvent['type']> = EventHandler<T>;

// Each write keeps the latest by occurredAt, so applying events in any order gives the same row.
// Ties (>=) go to the later event in log order: every TokenUpdated of an enrollment shares its
// device's partition, every upload of a topic the topic's, so a rebuild sees ties in the same order.

/** Push data comes from the latest TokenUpdate (§9.1). */
const tokenUpdated: Apply<'TokenUpdated'> = (tx, s, e) =>
  tx.query(
    prepared(`INSERT INTO ${s}.push_targets AS t (enrollment_id, device_id, topic, token_hex, push_magic, token_updated_at)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (enrollment_id) DO UPDATE SET device_id = excluded.device_id, topic = excluded.topic, token_hex = excluded.token_hex,
       push_magic = excluded.push_magic, token_updated_at = excluded.token_updated_at
     WHERE excluded.token_updated_at >= t.token_updated_at`),
    [e.enrollmentId, e.deviceId, e.data.pushTopic, e.data.token, e.data.pushMagic, e.occurredAt],
  );

/**
 * Only failures that condemn the token are kept, with the token refused (when
 * the event names it); GREATEST keeps the latest whatever the order.
 */
const pushFailed: Apply<'PushFailed'> = (tx, s, e) =>
  !INVALID_TOKEN_REASONS.has(e.data.reason)
    ? Promise.resolve()
    : tx.query(
        prepared(`INSERT INTO ${s}.push_invalid AS i (enrollment_id, invalid_at, reason, token_hex) VALUES ($1, $2, $3, $4)
         ON CONFLICT (enrollment_id) DO UPDATE SET invalid_at = GREATEST(i.invalid_at, excluded.invalid_at),
           reason = CASE WHEN excluded.invalid_at >= i.invalid_at THEN excluded.reason ELSE i.reason END,
           token_hex = CASE WHEN excluded.invalid_at >= i.invalid_at THEN excluded.token_hex ELSE i.token_hex END`),
        [e.enrollmentId, e.occurredAt, e.data.reason, e.data.token ?? null],
      );

/** A re-upload replaces the topic's certificate (§9.2). */
const certUploaded: Apply<'PushCertUploaded'> = (tx, s, e) =>
  tx.query(
    prepared(`INSERT INTO ${s}.push_certs AS c (topic, certificate_pem, private_key, not_after, uploaded_at, upload_event_id)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (topic) DO UPDATE SET certificate_pem = excluded.certificate_pem, private_key = excluded.private_key,
       not_after = excluded.not_after, uploaded_at = excluded.uploaded_at, upload_event_id = excluded.upload_event_id
     WHERE excluded.uploaded_at >= c.uploaded_at`),
    [e.data.topic, e.data.certificatePem, JSON.stringify(e.data.privateKey), e.data.notAfter, e.occurredAt, e.eventId],
  );

/** The push service's projection over mdm.enrollment (push data) and mdm.push (invalid tokens, certificates). */
export function pushTargetsProjection(schema = 'push'): Projection {
  const handlers: EventHandlers = {
    TokenUpdated: tokenUpdated,
    PushFailed: pushFailed,
    PushCertUploaded: certUploaded,
  };
  return {
    name: PUSH_TARGETS_PROJECTION,
    schema,
    topics: [TOPICS.enrollment, TOPICS.push],
    tables: pushTables,
    migrations: pushMigrations,
    ...applyByType(handlers),
  };
}
