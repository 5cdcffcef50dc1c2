import { createEvent, encodeEvent } from '@espalier/contracts/events';
import type { LogRecord } from '@espalier/contracts/event-log';
import type { QueuedCommand, ReportFact } from '@espalier/commands/domain';

export interface EventIds {
  newId(): string;
  readonly occurredAt: string;
  readonly correlationId: string;
}

/**
 * A report becomes CommandReported and, when the reply carries a command,
 * CommandDelivered: both keyed by the device, so they sit in order in its
 * partition and go out in one append.
 */
export function reportRecords(fact: ReportFact, reply: QueuedCommand | null, ids: EventIds): LogRecord[] {
  const meta = () => ({
    eventId: ids.newId(),
    occurredAt: ids.occurredAt,
    enrollmentId: fact.enrollmentId,
    deviceId: fact.deviceChannelId,
    source: 'commands' as const,
    correlationId: ids.correlationId,
    causationId: null,
  });
  const reported = createEvent(
    'CommandReported',
    {
      commandUuid: fact.commandUuid,
      status: fact.status,
      ...(fact.errorChain !== undefined && { errorChain: fact.errorChain.map((item) => ({ ...item })) }),
      notNow: fact.status === 'NotNow',
      raw: fact.raw.toString('base64'),
      certificate: fact.certificate,
    },
    meta(),
  );
  const records: LogRecord[] = [encodeEvent(reported)];
  if (reply !== null) records.push(encodeEvent(createEvent('CommandDelivered', { commandUuid: reply.commandUuid }, meta())));
  return records;
}
