import { decideAssociation } from '@espalier/mdm/device-auth';
import type { CommandReport, ErrorChainItem, ResolvedEnrollment } from '@espalier/mdm/protocol';
import type { QueuedCommand, ReportOptions, ReportState } from './report-state';

export type CertificateUse = { readonly hash: string; readonly association: 'existing' | 'retroactive' };

export interface ReportCommand {
  readonly report: CommandReport;
  readonly enrollment: ResolvedEnrollment;
  /** The verified identity certificate's hash. */
  readonly certificateHash: string;
  readonly raw: Buffer;
}

/** What an accepted report established, before it becomes CommandReported (+ CommandDelivered). */
export interface ReportFact {
  readonly enrollmentId: string;
  readonly deviceChannelId: string;
  /** Null for Idle: NanoMDM ignores an Idle report's CommandUUID (§7.2). */
  readonly commandUuid: string | null;
  readonly status: string;
  readonly errorChain?: readonly ErrorChainItem[];
  readonly certificate: CertificateUse;
  readonly raw: Buffer;
}

export type ReportDecision =
  | { readonly kind: 'reject'; readonly status: 500; readonly reason: string }
  | { readonly kind: 'accept'; readonly fact: ReportFact; readonly reply: QueuedCommand | null };

const reject = (reason: string): ReportDecision => ({ kind: 'reject', status: 500, reason });

/**
 * NanoMDM's command-report rules (§7.2, §3.4, §8.4) as a pure function:
 * cert-auth first, then the storage rules of its SQL backend (a non-Idle
 * report needs a CommandUUID the server knows), then the reply, which is the
 * next queued command or nothing.
 */
export function decideReport(command: ReportCommand, state: ReportState, options: ReportOptions): ReportDecision {
  const { report, enrollment } = command;
  const association = decideAssociation({
    isAuthenticate: false,
    deviceChannelId: enrollment.deviceChannelId,
    certHash: command.certificateHash,
    associatedWithThisDevice: state.association.withThisDevice,
    hashOwners: state.association.hashOwners,
    deviceHasAnyAssociation: state.association.deviceHasAny,
    retro: options.retro,
  });
  if (association.outcome === 'reject') return reject(`cert auth: ${association.reason}`);
  const certificate: CertificateUse = { hash: command.certificateHash, association: association.outcome === 'ok' ? 'existing' : 'retroactive' };
  const idle = report.status === 'Idle';
  if (!idle) {
    const refused = storageRefusal(report, state, options);
    if (refused) return reject(refused);
  }
  const fact: ReportFact = {
    enrollmentId: enrollment.id,
    deviceChannelId: enrollment.deviceChannelId,
    commandUuid: idle ? null : report.commandUuid,
    status: report.status,
    ...(report.errorChain !== undefined && { errorChain: report.errorChain }),
    certificate,
    raw: command.raw,
  };
  return { kind: 'accept', fact, reply: state.next };
}

/**
 * Where NanoMDM's SQL storage fails a report (500): results reference the
 * commands table, so an empty or unknown CommandUUID cannot be stored. In
 * delete mode an answer to an unknown command deletes nothing and succeeds;
 * a NotNow still has to be stored and fails.
 */
function storageRefusal(report: CommandReport, state: ReportState, options: ReportOptions): string | null {
  if (report.commandUuid === '') return `storing report: status ${report.status} without a CommandUUID`;
  if (state.commandKnown) return null;
  if (options.deleteAnswered && report.status !== 'NotNow') return null;
  return `storing report: unknown command ${report.commandUuid}`;
}
