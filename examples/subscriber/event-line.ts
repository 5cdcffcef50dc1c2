// What the example prints: one line per enrollment lifecycle event and per command result.
import type { EspalierEvent } from '@espalier/contracts/events';

/** The event types this subscriber follows; every other type is skipped. */
export const FOLLOWED_TYPES = ['EnrollmentAuthenticated', 'TokenUpdated', 'EnrollmentCheckedOut', 'CommandReported'] as const;

export interface Position {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * `2025-06-01T12:00:00.000Z mdm.command/2@41 CommandReported enrollment=<id> command=<uuid> status=Error error=12021/MCMDMErrorDomain`,
 * or null for a type the example does not follow.
 */
export function eventLine(event: EspalierEvent, at: Position): string | null {
  const details = detailsOf(event);
  if (details === null) return null;
  const fields = [['enrollment', event.enrollmentId], ...details].map(([name, value]) => `${name}=${quote(value ?? '-')}`);
  return [event.occurredAt, `${at.topic}/${at.partition}@${at.offset}`, event.type, ...fields].join(' ');
}

type Field = readonly [string, string | null | undefined];

function detailsOf(event: EspalierEvent): Field[] | null {
  switch (event.type) {
    case 'EnrollmentAuthenticated':
      return [['type', event.data.enrollmentType], ['serial', event.data.serialNumber], ['model', event.data.model]];
    case 'TokenUpdated':
      // A user channel names its device channel; the device channel has no parent.
      return [['type', event.data.enrollmentType], ['device', event.data.parentId ?? event.deviceId], ['pushTopic', event.data.pushTopic]];
    case 'EnrollmentCheckedOut':
      return [];
    case 'CommandReported': {
      const [error] = event.data.errorChain ?? [];
      // Idle reports (NanoMDM's "connect") carry no command UUID.
      return [['command', event.data.commandUuid], ['status', event.data.status], ...(error ? [['error', `${error.errorCode}/${error.errorDomain}`] as const] : [])];
    }
    default:
      return null;
  }
}

function quote(value: string): string {
  return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
}
