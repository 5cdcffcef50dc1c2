import { PUSH_FAILURE } from '@espalier/contracts/events';

/** What the push service recorded for one enrollment (PushSent / PushFailed data). */
export type PushOutcomeFact =
  | { readonly sent: true; readonly apnsId: string }
  | { readonly sent: false; readonly topic: string | null; readonly status: number | null; readonly reason: string; readonly apnsTimestamp: number | null };

/** Where NanoMDM puts an outcome: the ID's own line, or the top level (a topic without certificate, §3.7). */
export type PlacedOutcome = { readonly id: { push_error?: string; push_result?: string } } | { readonly topLevel: string };

/**
 * NanoMDM's texts for a push outcome (§3.7, §9.3): an APNs refusal is
 * `push HTTP status: <code>: APNs push error: <reason>[: timestamp <ts>]`;
 * a topic whose certificate cannot be loaded is a top-level error and its IDs
 * are left out; anything else (push data missing, transport) is the reason.
 */
export function placeOutcome(outcome: PushOutcomeFact): PlacedOutcome {
  if (outcome.sent) return { id: outcome.apnsId ? { push_result: outcome.apnsId } : {} };
  const { topic, status, reason, apnsTimestamp } = outcome;
  if (topic !== null && status === null && reason === PUSH_FAILURE.noCertificate(topic)) {
    return { topLevel: `retrieving push cert for topic "${topic}": ${reason}` };
  }
  if (status === null) return { id: { push_error: reason } };
  const timestamp = apnsTimestamp === null ? '' : `: timestamp ${apnsTimestamp}`;
  return { id: { push_error: `push HTTP status: ${status}: APNs push error: ${reason}${timestamp}` } };
}
