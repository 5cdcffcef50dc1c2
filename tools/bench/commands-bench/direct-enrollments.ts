import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { QUEUE_PROJECTION } from '@espalier/commands/data-access-queue';
import { ENROLLMENTS_PROJECTION } from '@espalier/checkin/data-access-enrollments';
import { createEvent, TOPICS } from '@espalier/contracts/events';
import type { EventLog, LogRecord } from '@espalier/contracts/event-log';
import { CheckpointBarrier, LogFence } from '@espalier/shared/data-access-postgres';
import type { SecretBox } from '@espalier/shared/util-crypto';
import { uuidv7 } from '@espalier/shared/util-ids';
import { FIXTURE_TOPIC, macosAuthenticate, macosTokenUpdate } from '@espalier/shared/util-testing';
import { eachLimit } from '../bench-support';
import { toRecord } from './command-submission';

/**
 * T enrolled devices without T signed check-ins: the EnrollmentAuthenticated
 * and TokenUpdated events the checkin service would append (same bodies,
 * raw TokenUpdate sealed with its key and the enrollment as AAD), appended
 * straight to the log in large batches. The checkin path is measured by
 * bench:checkin; part (b) times only the commands service's enqueue path.
 * No certificate (null, as the operator's migration import): enqueueing
 * does not look at cert-auth associations.
 */
export function enrollmentRecords(count: number, box: SecretBox, topic = FIXTURE_TOPIC): { udids: string[]; records: LogRecord[] } {
  const udids: string[] = [];
  const records: LogRecord[] = [];
  for (let i = 0; i < count; i++) {
    const udid = randomUUID().toUpperCase();
    const ids = { udid };
    const meta = () => ({ eventId: uuidv7(), occurredAt: new Date().toISOString(), enrollmentId: udid, deviceId: udid, source: 'checkin' as const, correlationId: uuidv7(), causationId: null });
    const authenticate = createEvent(
      'EnrollmentAuthenticated',
      { enrollmentType: 'Device', udid, topic, certificate: null, raw: macosAuthenticate({ ids }).toString('base64') },
      meta(),
    );
    const token = randomBytes(32);
    const tokenUpdated = createEvent(
      'TokenUpdated',
      {
        enrollmentType: 'Device',
        parentId: null,
        pushTopic: topic,
        token: token.toString('hex'),
        pushMagic: randomUUID().toUpperCase(),
        certificate: null,
        raw: box.seal(macosTokenUpdate({ ids, token }), udid),
      },
      meta(),
    );
    udids.push(udid);
    records.push(toRecord(authenticate), toRecord(tokenUpdated));
  }
  return { udids, records };
}

/** Appends in chunks, a few in flight (each device's two events stay in order: same key, same chunk). */
export async function appendInChunks(log: Pick<EventLog, 'appender'>, records: readonly LogRecord[], chunk = 2_000, inFlight = 4): Promise<void> {
  const chunks: LogRecord[][] = [];
  for (let i = 0; i < records.length; i += chunk) chunks.push(records.slice(i, i + chunk));
  await eachLimit(chunks, inFlight, async (c) => void (await log.appender.append(c)));
}

/**
 * Until both services' projections have applied everything in mdm.enrollment
 * and the commands projection everything in mdm.command, so nothing left
 * over competes with the timed enqueue.
 */
export async function waitProjectionsIdle(log: Pick<EventLog, 'endOffsets' | 'partitionFor'>, pool: Pool, timeoutMs: number): Promise<void> {
  const fence = new LogFence(log, new CheckpointBarrier(pool));
  await fence.catchUp(
    [
      { schema: 'commands', projection: QUEUE_PROJECTION, topic: TOPICS.enrollment },
      { schema: 'commands', projection: QUEUE_PROJECTION, topic: TOPICS.command },
      { schema: 'checkin', projection: ENROLLMENTS_PROJECTION, topic: TOPICS.enrollment },
    ],
    timeoutMs,
  );
}

export async function knownEnrollments(pool: Pool, udids: readonly string[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM commands.enrollments WHERE id = ANY($1::text[])`, [udids]);
  return rows[0].n;
}
