import type { EspalierEvent } from '@espalier/contracts/events';

/** An enrollment's TokenUpdate count since it was last disabled, and its device channel. */
export interface TallyEntry {
  readonly deviceId: string;
  readonly tally: number;
}

/** Enrollment ID → entry: the part of the tallies a batch touches. */
export type Tallies = Map<string, TallyEntry>;

/** The events that change a tally. */
export const TALLY_EVENT_TYPES: ReadonlySet<EspalierEvent['type']> = new Set(['TokenUpdated', 'EnrollmentAuthenticated', 'EnrollmentCheckedOut']);

/**
 * NanoMDM's token_update_tally (§6.2), as its SQL storage keeps it: a
 * TokenUpdate adds one (1 marks the enrollment's first); Authenticate and
 * CheckOut disable the device and its user channels, setting theirs to 0.
 * Migrated check-ins count too (they go through NanoMDM's core service).
 * Mutates `tallies`; returns the new tally for a TokenUpdate.
 */
export function applyToTallies(tallies: Tallies, event: { readonly type: string; readonly enrollmentId: string | null; readonly deviceId: string | null }): number | undefined {
  if (event.deviceId === null || event.enrollmentId === null) return undefined;
  if (event.type === 'TokenUpdated') {
    const tally = (tallies.get(event.enrollmentId)?.tally ?? 0) + 1;
    tallies.set(event.enrollmentId, { deviceId: event.deviceId, tally });
    return tally;
  }
  if (event.type === 'EnrollmentAuthenticated' || event.type === 'EnrollmentCheckedOut') {
    for (const [id, entry] of tallies) if (entry.deviceId === event.deviceId) tallies.set(id, { ...entry, tally: 0 });
  }
  return undefined;
}
