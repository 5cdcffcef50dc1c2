import type { Pool } from 'pg';
import { createEvent, encodeEvent, type EventOf } from '@espalier/contracts/events';
import type { LogRecord } from '@espalier/contracts/event-log';
import { uuidv7 } from '@espalier/shared/util-ids';
import { sleep } from '../bench-support';

/** What api will do: one CommandSubmitted with the command's exact bytes for these enrollments (as test/commands/commands-harness.ts). */
export function commandSubmitted(command: { commandUuid: string; payload: Buffer }, targets: readonly string[]): EventOf<'CommandSubmitted'> {
  return createEvent(
    'CommandSubmitted',
    { commandUuid: command.commandUuid, requestType: 'DeviceInformation', payload: command.payload.toString('base64'), enrollmentIds: [...targets], noPush: true },
    { eventId: uuidv7(), occurredAt: new Date().toISOString(), enrollmentId: null, deviceId: null, source: 'api', correlationId: uuidv7(), causationId: null },
  );
}

export const toRecord = (event: Parameters<typeof encodeEvent>[0]): LogRecord => encodeEvent(event);

export interface SubmissionRef {
  readonly commandUuid: string;
  readonly submissionId: string;
}

/** Deliverable entries (rows of commands.enrollment_commands) these submissions have in the commands projection. */
export async function deliverableCount(pool: Pool, submissions: readonly SubmissionRef[]): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM commands.enrollment_commands
      WHERE (command_uuid, submission_id) IN (SELECT * FROM unnest($1::text[], $2::text[])) AND queued_at IS NOT NULL`,
    [submissions.map((s) => s.commandUuid), submissions.map((s) => s.submissionId)],
  );
  return rows[0].n;
}

/** Polls until the projection holds `expected` entries of these submissions; a refused submission never gets there. */
export async function waitDeliverable(pool: Pool, submissions: readonly SubmissionRef[], expected: number, timeoutMs: number, pollMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await deliverableCount(pool, submissions);
    if (n >= expected) return;
    if (Date.now() > deadline) throw new Error(`bench: only ${n} of ${expected} queue entries deliverable after ${timeoutMs} ms (a submission rejected? see the commands service's log)`);
    await sleep(pollMs);
  }
}
