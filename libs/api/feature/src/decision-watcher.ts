import type { ConsumedBatch } from '@espalier/contracts/event-log';
import { eventsOfTypes, Waiting } from './correlated';

/** How the commands service decided a submission (§7.1, §7.3). */
export type Decision = { readonly kind: 'queued' } | { readonly kind: 'rejected'; readonly reason: string; readonly detail: string } | { readonly kind: 'undecided' };

interface Waiter {
  remaining: number;
  decision: Decision | null;
  readonly waiting: Waiting;
}

type DecisionEvent = { type: 'CommandQueued'; correlationId: string } | { type: 'CommandRejected'; correlationId: string; data: { reason: string; detail: string } };

const DECISIONS = new Set(['CommandQueued', 'CommandRejected']);

/**
 * Matches the commands service's decisions on mdm.command (one CommandQueued
 * per target, or one CommandRejected) to the enqueue requests waiting for
 * them, by correlation ID. Only decision records are parsed, and only while
 * someone waits.
 */
export class DecisionWatcher {
  private readonly waiters = new Map<string, Waiter>();

  /** Register before appending the submission; `targets` CommandQueued events mean it was queued everywhere. */
  expect(correlationId: string, targets: number): { decision(timeoutMs: number): Promise<Decision>; cancel(): void } {
    const waiter: Waiter = { remaining: targets, decision: null, waiting: new Waiting(() => this.waiters.delete(correlationId)) };
    this.waiters.set(correlationId, waiter);
    return {
      decision: async (timeoutMs) => {
        await waiter.waiting.until(timeoutMs);
        return waiter.decision ?? { kind: 'undecided' };
      },
      cancel: () => waiter.waiting.stop(),
    };
  }

  async handleBatch(batch: ConsumedBatch): Promise<void> {
    if (this.waiters.size === 0) return;
    for (const event of eventsOfTypes<DecisionEvent>(batch, DECISIONS)) {
      const waiter = this.waiters.get(event.correlationId);
      if (!waiter || waiter.decision) continue;
      if (event.type === 'CommandRejected') waiter.decision = { kind: 'rejected', reason: event.data.reason, detail: event.data.detail };
      else if (--waiter.remaining <= 0) waiter.decision = { kind: 'queued' };
      if (waiter.decision) waiter.waiting.done();
    }
  }
}
