import { createEvent, encodeEvent } from '@espalier/contracts/events';
import type { LogRecord } from '@espalier/contracts/event-log';
import type { ApnsOutcome } from '@espalier/push/data-access-apns';
import type { PushPlan, PushTrigger } from '@espalier/push/domain';

export interface EventIds {
  readonly clock: () => Date;
  readonly newId: () => string;
}

/** What became of one job: sent with an APNs outcome, or failed before sending. */
export type Settled =
  | { readonly plan: Extract<PushPlan, { kind: 'send' }>; readonly outcome: ApnsOutcome }
  | { readonly plan: Extract<PushPlan, { kind: 'fail' }> };

/**
 * PushSent / PushFailed records for a settled job: one per trigger it
 * answers, each naming that trigger as its causation. Failures name the token
 * tried, so a refusal condemns that token only.
 */
export function outcomeRecords(settled: Settled, ids: EventIds): LogRecord[] {
  const { plan } = settled;
  const occurredAt = ids.clock().toISOString();
  const deviceId = plan.kind === 'send' ? plan.target.deviceId : plan.deviceId;
  const meta = (trigger: PushTrigger) => ({
    eventId: ids.newId(),
    occurredAt,
    enrollmentId: plan.job.enrollmentId,
    deviceId,
    source: 'push' as const,
    correlationId: trigger.correlationId,
    causationId: trigger.eventId,
  });
  return plan.job.answers.map((trigger) => {
    if (!('outcome' in settled)) {
      const { topic, reason, token } = settled.plan;
      return encodeEvent(createEvent('PushFailed', { topic, status: null, reason, apnsTimestamp: null, ...(token ? { token } : {}) }, meta(trigger)));
    }
    const { outcome } = settled;
    const { topic, tokenHex } = settled.plan.target;
    if (outcome.ok) return encodeEvent(createEvent('PushSent', { topic, apnsId: outcome.apnsId }, meta(trigger)));
    const { status, reason, timestamp } = outcome;
    return encodeEvent(createEvent('PushFailed', { topic, status, reason, apnsTimestamp: timestamp, token: tokenHex }, meta(trigger)));
  });
}
