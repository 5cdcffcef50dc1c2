import type { EspalierEvent, EventOf } from '@espalier/contracts/events';
import { TOPICS, type CertificateUse } from '@espalier/contracts/events';
import { recordCertAssociation } from '@espalier/mdm/data-access-cert-auth';
import { prepared, type Projection, type Tx } from '@espalier/shared/data-access-postgres';
import { enrollmentsMigrations, enrollmentsTables } from './enrollments.migrations';

export const ENROLLMENTS_PROJECTION = 'checkin.enrollments';

type Apply<T extends EspalierEvent['type']> = (tx: Tx, s: string, e: EventOf<T>) => Promise<unknown>;

function associate(tx: Tx, s: string, e: EspalierEvent & { deviceId: string; data: { certificate: CertificateUse } }): Promise<void> {
  return recordCertAssociation(tx, s, { deviceId: e.deviceId, certificate: e.data.certificate, at: e.occurredAt });
}

/** Disable (§6.1, §6.3): the device and its user channels, tally 0; last seen only where it was enabled. */
function disable(tx: Tx, s: string, deviceId: string, at: string, touchLastSeen: boolean) {
  return tx.query(
    prepared(`UPDATE ${s}.enrollments SET enabled = false, token_update_tally = 0${touchLastSeen ? ', last_seen_at = $2' : ''}
     WHERE device_id = $1 AND enabled`),
    touchLastSeen ? [deviceId, at] : [deviceId],
  );
}

function touch(tx: Tx, s: string, enrollmentId: string, at: string) {
  return tx.query(prepared(`UPDATE ${s}.enrollments SET last_seen_at = $2 WHERE id = $1`), [enrollmentId, at]);
}

const authenticated: Apply<'EnrollmentAuthenticated'> = async (tx, s, e) => {
  await associate(tx, s, e);
  await tx.query(
    prepared(`INSERT INTO ${s}.devices (id, serial_number, authenticate_at) VALUES ($1, $2, $3)
     ON CONFLICT (id) DO UPDATE SET serial_number = excluded.serial_number, authenticate_at = excluded.authenticate_at,
       bootstrap_token = NULL, bootstrap_token_at = NULL`),
    [e.deviceId, e.data.serialNumber ?? null, e.occurredAt],
  );
  // NanoMDM's Authenticate does not touch last_seen (§6.9), but its Disable does on SQL.
  await disable(tx, s, e.deviceId, e.occurredAt, true);
};

const tokenUpdated: Apply<'TokenUpdated'> = async (tx, s, e) => {
  await associate(tx, s, e);
  const d = e.data;
  if (d.parentId === null) {
    await tx.query(
      prepared(`UPDATE ${s}.devices SET token_update_at = $2${d.unlockToken ? ', unlock_token = $3, unlock_token_at = $2' : ''} WHERE id = $1`),
      d.unlockToken ? [e.deviceId, e.occurredAt, JSON.stringify(d.unlockToken)] : [e.deviceId, e.occurredAt],
    );
  } else {
    await tx.query(
      prepared(`INSERT INTO ${s}.users (id, device_id, user_short_name, user_long_name, token_update_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET user_short_name = excluded.user_short_name, user_long_name = excluded.user_long_name,
         token_update_at = excluded.token_update_at`),
      [e.enrollmentId, d.parentId, d.userShortName ?? null, d.userLongName ?? null, e.occurredAt],
    );
  }
  await tx.query(
    prepared(`INSERT INTO ${s}.enrollments (id, device_id, user_id, type, topic, push_magic, token_hex, enabled, token_update_tally, enrolled_at, last_seen_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, true, 1, $8, $8)
     ON CONFLICT (id) DO UPDATE SET type = excluded.type, topic = excluded.topic, push_magic = excluded.push_magic,
       token_hex = excluded.token_hex, enabled = true, last_seen_at = excluded.last_seen_at,
       token_update_tally = ${s}.enrollments.token_update_tally + 1,
       enrolled_at = CASE WHEN ${s}.enrollments.token_update_tally = 0 THEN excluded.enrolled_at ELSE ${s}.enrollments.enrolled_at END`),
    [e.enrollmentId, e.deviceId, d.parentId === null ? null : e.enrollmentId, d.enrollmentType, d.pushTopic, d.pushMagic, d.token, e.occurredAt],
  );
};

const checkedOut: Apply<'EnrollmentCheckedOut'> = async (tx, s, e) => {
  await associate(tx, s, e);
  await disable(tx, s, e.deviceId, e.occurredAt, true);
};

const userAuthenticated: Apply<'UserAuthenticated'> = async (tx, s, e) => {
  await associate(tx, s, e);
  if (!e.data.stored) return;
  const column = e.data.digestResponse ? 'user_authenticate_digest_at' : 'user_authenticate_at';
  await tx.query(
    prepared(`INSERT INTO ${s}.users (id, device_id, user_short_name, user_long_name, ${column}) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO UPDATE SET user_short_name = excluded.user_short_name, user_long_name = excluded.user_long_name, ${column} = excluded.${column}`),
    [e.enrollmentId, e.deviceId, e.data.userShortName ?? null, e.data.userLongName ?? null, e.occurredAt],
  );
  await touch(tx, s, e.enrollmentId, e.occurredAt);
};

const bootstrapTokenSet: Apply<'BootstrapTokenSet'> = async (tx, s, e) => {
  await associate(tx, s, e);
  // Device channel only: NanoMDM updates the devices row with the enrollment ID (§6.5).
  await tx.query(prepared(`UPDATE ${s}.devices SET bootstrap_token = $2, bootstrap_token_at = $3 WHERE id = $1`), [
    e.enrollmentId,
    e.data.token === null ? null : JSON.stringify(e.data.token),
    e.occurredAt,
  ]);
  await touch(tx, s, e.enrollmentId, e.occurredAt);
};

const bootstrapTokenRetrieved: Apply<'BootstrapTokenRetrieved'> = async (tx, s, e) => {
  await associate(tx, s, e);
  if (e.data.found) await touch(tx, s, e.enrollmentId, e.occurredAt);
};

/** Other check-ins only ever add associations (DM and GetToken do not touch last seen, §6.9). */
const dmRequested: Apply<'DeclarativeManagementRequested'> = (tx, s, e) => associate(tx, s, e);
const tokenRequested: Apply<'TokenRequested'> = (tx, s, e) => associate(tx, s, e);

const seen: Apply<'EnrollmentSeen'> = (tx, s, e) => touch(tx, s, e.enrollmentId, e.data.at);

/**
 * Every command report, Idle included, updates last seen (§6.9), kept in
 * reports_seen as a maximum (see the migration for why); with -retro a
 * report can associate the certificate (§8.4). Reports are most of the
 * traffic, so a run of them is one statement.
 */
async function reported(tx: Tx, s: string, events: readonly EventOf<'CommandReported'>[]): Promise<void> {
  for (const e of events) await associate(tx, s, e);
  await tx.query(
    prepared(`INSERT INTO ${s}.reports_seen AS r (enrollment_id, last_report_at)
     SELECT id, max(at) FROM unnest($1::text[], $2::timestamptz[]) AS u(id, at) GROUP BY id
     ON CONFLICT (enrollment_id) DO UPDATE SET last_report_at = GREATEST(r.last_report_at, excluded.last_report_at)`),
    [events.map((e) => e.enrollmentId), events.map((e) => e.occurredAt)],
  );
}

const handlers: { [T in EspalierEvent['type']]?: Apply<T> } = {
  EnrollmentAuthenticated: authenticated,
  TokenUpdated: tokenUpdated,
  EnrollmentCheckedOut: checkedOut,
  UserAuthenticated: userAuthenticated,
  BootstrapTokenSet: bootstrapTokenSet,
  BootstrapTokenRetrieved: bootstrapTokenRetrieved,
  DeclarativeManagementRequested: dmRequested,
  TokenRequested: tokenRequested,
  EnrollmentSeen: seen,
};

/** The check-in service's enrollment projection over mdm.enrollment, and the reports on mdm.command that touch enrollments. */
export function enrollmentsProjection(schema = 'checkin'): Projection {
  return {
    name: ENROLLMENTS_PROJECTION,
    schema,
    topics: [TOPICS.enrollment, TOPICS.command],
    tables: enrollmentsTables,
    migrations: enrollmentsMigrations,
    // Of mdm.command it needs only the reports.
    eventTypes: new Set([...Object.keys(handlers), 'CommandReported']),
    async apply({ tx, schema: s }, events) {
      let reports: EventOf<'CommandReported'>[] = [];
      const flush = async () => {
        if (reports.length > 0) await reported(tx, s, reports);
        reports = [];
      };
      for (const { event } of events) {
        if (event.type === 'CommandReported') {
          reports.push(event);
          continue;
        }
        // Events it does not handle (most of mdm.command) do not end a run of reports.
        const handler = handlers[event.type] as Apply<typeof event.type> | undefined;
        if (!handler) continue;
        await flush();
        await handler(tx, s, event as never);
      }
      await flush();
    },
  };
}
