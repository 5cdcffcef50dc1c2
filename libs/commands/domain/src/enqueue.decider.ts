import { decodeEnqueuedCommand, ProtocolError } from '@espalier/mdm/protocol';

export interface Submission {
  /** The CommandSubmitted event's ID: what an acceptance is traced back to. */
  readonly submissionId: string;
  readonly commandUuid: string;
  readonly requestType: string;
  readonly payload: Buffer;
  readonly enrollmentIds: readonly string[];
}

export interface EnqueueState {
  /**
   * What the projection knows of this submission: `undecided` (stored, never
   * queued), `accepted` (some CommandQueued applied) or `rejected` (its
   * CommandRejected removed it). Seen again after a restart, a submission
   * keeps its first decision.
   */
  readonly submission: 'undecided' | 'accepted' | 'rejected';
  /** Another submission has this CommandUUID queued (§7.3; in delete mode: still unanswered somewhere). */
  readonly uuidTaken: boolean;
  /** Which of the submission's targets have an enrollment (NanoMDM: a TokenUpdate was stored). */
  readonly knownEnrollments: ReadonlySet<string>;
  /** Targets that already have this submission's entry (an earlier run queued them). */
  readonly queuedTargets: ReadonlySet<string>;
}

export interface EnqueueOptions {
  /** Delete mode drops answered entries, so "queued earlier" cannot be told from "answered": no resuming. */
  readonly deleteAnswered: boolean;
}

export type RejectReason = 'duplicate-command-uuid' | 'unknown-enrollment' | 'invalid-command';

export type EnqueueDecision =
  | { readonly kind: 'accept'; readonly targets: readonly string[] }
  | { readonly kind: 'reject'; readonly reason: RejectReason; readonly detail: string }
  | { readonly kind: 'already-decided'; readonly detail: string };

/**
 * NanoMDM's SQL enqueue (§3.8, §7.1, §7.3) as a pure decision: all targets or
 * none. A CommandUUID another submission has queued, or any unknown
 * enrollment, rejects the whole submission. Targets named twice are queued
 * once (§15.25: NanoMDM fails such a request; one entry is what was meant).
 * A submission seen again after a restart keeps its decision; if it had been
 * accepted, the targets an interrupted run did not reach are queued now.
 */
export function decideEnqueue(submission: Submission, state: EnqueueState, options: EnqueueOptions): EnqueueDecision {
  if (state.submission === 'rejected') return { kind: 'already-decided', detail: 'rejected earlier' };
  const targets = [...new Set(submission.enrollmentIds)];
  if (state.submission === 'accepted') {
    if (options.deleteAnswered) return { kind: 'already-decided', detail: 'accepted earlier (delete mode: not resumed)' };
    const missing = targets.filter((id) => !state.queuedTargets.has(id));
    return missing.length === 0 ? { kind: 'already-decided', detail: 'accepted earlier' } : { kind: 'accept', targets: missing };
  }
  const invalid = invalidCommand(submission);
  if (invalid) return { kind: 'reject', reason: 'invalid-command', detail: invalid };
  if (state.uuidTaken) return { kind: 'reject', reason: 'duplicate-command-uuid', detail: `command ${submission.commandUuid} is already queued` };
  const unknown = targets.filter((id) => !state.knownEnrollments.has(id));
  if (unknown.length > 0) {
    const listed = unknown.slice(0, 10).join(', ') + (unknown.length > 10 ? `, … (${unknown.length} in all)` : '');
    return { kind: 'reject', reason: 'unknown-enrollment', detail: `unknown enrollment ID(s): ${listed}` };
  }
  return { kind: 'accept', targets };
}

/** The payload is served verbatim later: it must be the command the event says it is. */
function invalidCommand(submission: Submission): string | null {
  try {
    const decoded = decodeEnqueuedCommand(submission.payload);
    if (decoded.commandUuid !== submission.commandUuid) return `payload CommandUUID ${decoded.commandUuid} differs from ${submission.commandUuid}`;
    if (decoded.requestType !== submission.requestType) return `payload RequestType ${decoded.requestType} differs from ${submission.requestType}`;
    return null;
  } catch (error) {
    if (error instanceof ProtocolError) return error.message;
    throw error;
  }
}
