import type { CommandReport } from '@espalier/mdm/protocol';

/** Which queue entry answers a report, expressed as a lookup over the state *before* the report. */
export interface NextCommandQuery {
  /** The reported command is never the reply: it was just answered or NotNow'd. */
  readonly excludeCommandUuid: string | null;
  /** Only the reply to a NotNow report skips NotNow'd commands (§7.2 step 3, §15.3). */
  readonly skipNotNow: boolean;
}

/**
 * The reply is decided from the projection as it was before this report is
 * applied (the report is recorded after the answer is known). That equals
 * NanoMDM's "store, then retrieve" because the only change the report makes
 * to the candidates is to its own command: answered (any status but Idle and
 * NotNow) or NotNow'd, and in both cases it is not the reply.
 */
export function nextCommandQuery(report: Pick<CommandReport, 'status' | 'commandUuid'>): NextCommandQuery {
  if (report.status === 'Idle') return { excludeCommandUuid: null, skipNotNow: false };
  return { excludeCommandUuid: report.commandUuid === '' ? null : report.commandUuid, skipNotNow: report.status === 'NotNow' };
}
