import type { ConsumedBatch } from '@espalier/contracts/event-log';

/** How the commands service decided a submission (§7.1, §7.3). */
export type Decision = { readonly kind: 'queued' } | { readonly kind: 'rejected'; readonly reason: string; readonly detail: string } | { readonly kind: 'undecided' };

interface Waiter {
  remaining: number;
  decision: Decision | null;
  done(): void;
}

type DecisionEvent = { type: 'CommandQueued'; correlationId: string } | { type: 'CommandRejected'; correlationId: string; data: { reason: string; detail: string } };

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
    let done = () => undefined as void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const waiter: Waiter = { remaining: targets, decision: null, done };
    this.waiters.set(correlationId, waiter);
    const stop = () => {
      this.waiters.delete(correlationId);
      done();
    };
    return {
      decision: async (timeoutMs) => {
        const timer = setTimeout(stop, timeoutMs);
        await finished;
        clearTimeout(timer);
        stop();
        return waiter.decision ?? { kind: 'undecided' };
      },
      cancel: stop,
    };
  }

  async handleBatch(batch: ConsumedBatch): Promise<void> {
    if (this.waiters.size === 0) return;
    for (const record of batch.records) {
      const type = record.headers['espalier-type'];
      if ((type !== 'CommandQueued' && type !== 'CommandRejected') || !record.value) continue;
      let event: DecisionEvent;
      try {
        event = JSON.parse(record.value.toString('utf8')) as DecisionEvent;
      } catch {
        continue;
      }
      const waiter = this.waiters.get(event.correlationId);
      if (!waiter || waiter.decision) continue;
      if (event.type === 'CommandRejected') {
        waiter.decision = { kind: 'rejected', reason: event.data.reason, detail: event.data.detail };
        waiter.done();
      } else if (--waiter.remaining <= 0) {
        waiter.decision = { kind: 'queued' };
        waiter.done();
      }
    }
  }
}
