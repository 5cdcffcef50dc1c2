// Test-only: the events the queue projection's specs are given, as the check-in, api and
// commands services write them. Not exported from index.ts.
import { randomUUID } from 'node:crypto';
import { createEvent, type CertificateUse } from '@espalier/contracts/events';
import { SecretBox } from '@espalier/shared/util-crypto';
import { uuidv7 } from '@espalier/shared/util-ids';

export const TOPIC = 'com.apple.mgmt.External.e3b8ceac-1f18-4c8e-8a63-dd17d99435d9';
export const H1 = '11'.repeat(32);
export const H2 = '22'.repeat(32);
const box = new SecretBox({ keyId: 'queue-test', key: Buffer.alloc(32, 5) });

/** A report-like plist naming `text` (a status, or a command UUID), so stored bytes show their origin. */
export const raw = (text: string) => Buffer.from(`<?xml version="1.0"?><plist><dict><key>Status</key><string>${text}</string></dict></plist>`);
/** Second n after noon, 2025-06-01: every timestamp comes from the events. */
export const T = (n: number) => new Date(Date.UTC(2025, 5, 1, 12, 0, n)).toISOString();
export const D = (n: number) => new Date(T(n));
/** Every test uses its own devices and command UUIDs, so no test sees another's rows. */
export const fresh = () => randomUUID().toUpperCase();

export type On = { dev: string; enr?: string; at: number };
type Source = 'checkin' | 'commands' | 'api';
const meta = (on: On, source: Source, causationId: string | null = null) => ({
  eventId: uuidv7(),
  occurredAt: T(on.at),
  enrollmentId: on.enr ?? on.dev,
  deviceId: on.dev,
  source,
  correlationId: 'queue-test',
  causationId,
});
const anonymous = (at: number, source: Source, causationId: string | null = null) => ({ ...meta({ dev: '-', at }, source, causationId), enrollmentId: null, deviceId: null });

export const authenticated = (on: On & { cert?: CertificateUse }) =>
  createEvent('EnrollmentAuthenticated', { enrollmentType: 'Device', udid: on.dev, topic: TOPIC, certificate: on.cert ?? null, raw: raw('Authenticate').toString('base64') }, meta(on, 'checkin'));
export const tokenUpdated = (on: On & { cert?: CertificateUse }) => {
  const user = on.enr !== undefined && on.enr !== on.dev;
  const data = { enrollmentType: user ? ('User' as const) : ('Device' as const), parentId: user ? on.dev : null, pushTopic: TOPIC, token: 'c0ffee', pushMagic: 'MAGIC' };
  return createEvent('TokenUpdated', { ...data, certificate: on.cert ?? null, raw: box.seal(raw('TokenUpdate'), on.enr ?? on.dev) }, meta(on, 'checkin'));
};
export const dmRequested = (on: On & { cert: CertificateUse }) =>
  createEvent('DeclarativeManagementRequested', { endpoint: 'tokens', certificate: on.cert, raw: raw('DeclarativeManagement').toString('base64') }, meta(on, 'checkin'));
/** By default the payload names its command, so a served reply shows which entry it came from. */
export const submitted = (at: number, enrollmentIds: string[], commandUuid = fresh(), payload = raw(commandUuid)) =>
  createEvent('CommandSubmitted', { commandUuid, requestType: 'ProfileList', payload: payload.toString('base64'), enrollmentIds, noPush: false }, anonymous(at, 'api'));
export type Submission = ReturnType<typeof submitted>;
export const rejected = (submission: Submission, at: number, reason: 'duplicate-command-uuid' | 'unknown-enrollment' = 'unknown-enrollment') =>
  createEvent(
    'CommandRejected',
    { commandUuid: submission.data.commandUuid, reason, detail: reason, enrollmentIds: submission.data.enrollmentIds },
    anonymous(at, 'commands', submission.eventId),
  );
/** The commands service queues a submission per target; causationId is the submission. */
export const queued = (submission: Submission, on: On) =>
  createEvent('CommandQueued', { commandUuid: submission.data.commandUuid, requestType: 'ProfileList', noPush: false }, meta(on, 'commands', submission.eventId));
/** An operator cleared these enrollments' queues (from the api, keyed by the device). */
export const cleared = (enrollmentIds: string[], on: On) => createEvent('QueueCleared', { enrollmentIds, reason: 'operator' }, meta(on, 'api'));
export const delivered = (commandUuid: string, on: On) => createEvent('CommandDelivered', { commandUuid }, meta(on, 'commands'));
export const reported = (status: string, commandUuid: string | null, on: On & { cert?: CertificateUse }) =>
  createEvent('CommandReported', { commandUuid, status, notNow: status === 'NotNow', raw: raw(status).toString('base64'), certificate: on.cert ?? null }, meta(on, 'commands'));
