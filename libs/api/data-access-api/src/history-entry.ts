import type { EspalierEvent } from '@espalier/contracts/events';

/**
 * Data keys an enrollment's history never shows: sealed secrets, push
 * credentials and request bytes. The history names each withheld key and
 * the record's log position, where a subscriber with access to the log
 * reads it whole.
 */
const WITHHELD = new Set(['raw', 'payload', 'token', 'pushMagic', 'unlockToken', 'privateKey', 'certificatePem']);

/** What one event adds to the history of the enrollments it concerns. */
export interface HistoryEntry {
  readonly enrollmentIds: readonly string[];
  readonly data: Readonly<Record<string, unknown>>;
  readonly withheld: readonly string[];
}

/**
 * The enrollments an event concerns and what their history shows of it; null
 * for events about no enrollment (a push certificate upload) and for
 * CommandSubmitted, whose per-enrollment effect is its CommandQueued or
 * CommandRejected (a submission to 100,000 enrollments would otherwise be
 * written twice per target).
 */
export function historyEntryOf(event: EspalierEvent): HistoryEntry | null {
  if (event.type === 'CommandSubmitted') return null;
  const data = event.data as Readonly<Record<string, unknown>>;
  const listed = Array.isArray(data['enrollmentIds']) ? (data['enrollmentIds'] as string[]) : null;
  const enrollmentIds = event.enrollmentId !== null ? [event.enrollmentId] : listed;
  if (enrollmentIds === null) return null;
  const shown: Record<string, unknown> = {};
  const withheld: string[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (WITHHELD.has(key)) withheld.push(key);
    // The row is the subject; a many-target event's list would repeat in every target's history.
    else if (key === 'enrollmentIds') shown['enrollmentCount'] = listed?.length ?? 0;
    else if (value !== undefined) shown[key] = value;
  }
  return { enrollmentIds: [...new Set(enrollmentIds)], data: shown, withheld };
}
