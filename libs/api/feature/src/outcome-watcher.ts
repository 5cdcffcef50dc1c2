import type { ConsumedBatch } from '@espalier/contracts/event-log';
import type { PushOutcomeFact } from '@espalier/api/domain';
import { eventsOfTypes, Waiting } from './correlated';

interface Waiter {
  readonly pending: Set<string>;
  readonly outcomes: Map<string, PushOutcomeFact>;
  readonly waiting: Waiting;
}

type OutcomeEvent =
  | { type: 'PushSent'; enrollmentId: string; correlationId: string; data: { apnsId: string } }
  | { type: 'PushFailed'; enrollmentId: string; correlationId: string; data: { topic: string | null; status: number | null; reason: string; apnsTimestamp: number | null } };

const OUTCOMES = new Set(['PushSent', 'PushFailed']);

/** One API request waiting for push outcomes. */
export interface Expectation {
  /** Resolves with what arrived when every ID has an outcome or `timeoutMs` passed, whichever is first. */
  outcomes(timeoutMs: number): Promise<Map<string, PushOutcomeFact>>;
  cancel(): void;
}

/**
 * Matches PushSent / PushFailed on mdm.push to the API requests waiting for
 * them, by correlation ID (a PushRequested's, or a CommandSubmitted's, which
 * its CommandQueued events and so their pushes carry on). Fed by this
 * instance's own consumer group, which starts at the end of the topic: only
 * outcomes of requests made while it runs matter. Records are parsed only
 * while someone waits.
 */
export class OutcomeWatcher {
  private readonly waiters = new Map<string, Waiter>();

  /** Register before appending the request, so no outcome can arrive unseen. */
  expect(correlationId: string, enrollmentIds: Iterable<string>): Expectation {
    const waiter: Waiter = { pending: new Set(enrollmentIds), outcomes: new Map(), waiting: new Waiting(() => this.waiters.delete(correlationId)) };
    this.waiters.set(correlationId, waiter);
    if (waiter.pending.size === 0) waiter.waiting.stop();
    return {
      outcomes: async (timeoutMs) => {
        await waiter.waiting.until(timeoutMs);
        return waiter.outcomes;
      },
      cancel: () => waiter.waiting.stop(),
    };
  }

  async handleBatch(batch: ConsumedBatch): Promise<void> {
    if (this.waiters.size === 0) return;
    for (const event of eventsOfTypes<OutcomeEvent>(batch, OUTCOMES)) {
      const waiter = this.waiters.get(event.correlationId);
      if (!waiter || !waiter.pending.has(event.enrollmentId)) continue;
      waiter.pending.delete(event.enrollmentId);
      waiter.outcomes.set(
        event.enrollmentId,
        event.type === 'PushSent'
          ? { sent: true, apnsId: event.data.apnsId }
          : { sent: false, topic: event.data.topic, status: event.data.status, reason: event.data.reason, apnsTimestamp: event.data.apnsTimestamp },
      );
      if (waiter.pending.size === 0) waiter.waiting.done();
    }
  }
}
