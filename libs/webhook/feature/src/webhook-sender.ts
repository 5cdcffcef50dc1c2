import { releasable, type OutboxHead } from '@espalier/webhook/domain';
import type { OutboxStore } from './outbox.store';
import type { WebhookDelivery } from './webhook-delivery';

export interface SenderOptions {
  /** -webhook-concurrency: POSTs in flight at once, one per device. */
  readonly concurrency: number;
  /** -webhook-order-margin: how far past an event's time the other topic must be ingested before it is posted. */
  readonly marginMs: number;
  /** How long a leased row is this process's: longer than one POST may take (-webhook-timeout). */
  readonly leaseMs: number;
  /** How often the outbox is looked at when nothing else wakes the sender. */
  readonly pollMs: number;
}

export interface SenderDeps {
  readonly outbox: Pick<OutboxStore, 'heads' | 'watermarks' | 'claim'>;
  readonly delivery: Pick<WebhookDelivery, 'attempt'>;
  readonly logger: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  readonly now: () => number;
}

/**
 * The sending side of the outbox: on every poll (and whenever a POST ends
 * or watermarks moved), reads each device's next webhooks and the
 * watermarks, lets the release rule pick, leases what it picked and posts it. Devices go side by side,
 * one POST in flight each; a failed POST's row waits for its retry in the
 * outbox, so nothing here sleeps.
 */
export class WebhookSender {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly stopping = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;
  private again = false;
  private ready: OutboxHead[] = [];
  private readAt = 0;

  constructor(
    private readonly deps: SenderDeps,
    private readonly options: SenderOptions,
  ) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new Error(`webhook sender: concurrency must be a whole number ≥ 1, got ${options.concurrency}`);
  }

  start(): void {
    this.timer = setInterval(() => this.wake(), this.options.pollMs);
    this.wake();
  }

  /** Stops polling, cuts the POSTs in flight short (their rows are released) and waits for them. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopping.abort();
    await this.pass;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Look at the outbox now (once more, if a look is under way). */
  wake(): void {
    if (this.stopping.signal.aborted) return;
    if (this.pass) {
      this.again = true;
      return;
    }
    this.pass = this.send()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'webhook: reading the outbox failed, trying again'))
      .finally(() => {
        this.pass = null;
        if (this.again) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async send(): Promise<void> {
    const free = this.options.concurrency - this.inFlight.size;
    if (free <= 0) return;
    const now = this.deps.now();
    if (this.ready.length === 0 || now - this.readAt >= this.options.pollMs) await this.read(now);
    const picked: OutboxHead[] = [];
    while (picked.length < free && this.ready.length > 0) {
      const head = this.ready.shift() as OutboxHead;
      if (!this.inFlight.has(head.deviceId) && !picked.some((p) => p.deviceId === head.deviceId)) picked.push(head);
    }
    if (picked.length === 0 || this.stopping.signal.aborted) return;
    const claimed = await this.deps.outbox.claim(picked.map((h) => h.eventId), new Date(now), new Date(now + this.options.leaseMs));
    for (const item of claimed) {
      const attempt = this.deps.delivery
        .attempt(item, this.stopping.signal)
        .catch((error: unknown) => {
          // The database failed after the POST: the row stays leased until the lease ends, then is posted again (at-least-once).
          this.deps.logger.error({ err: error, topic: item.record.topic, partition: item.record.partition, offset: item.record.offset, eventId: item.eventId }, 'webhook: recording a delivery attempt failed');
        })
        .finally(() => {
          this.inFlight.delete(item.deviceId);
          this.wake();
        });
      this.inFlight.set(item.deviceId, attempt);
    }
  }

  /**
   * What the release rule lets go now, kept between passes: a large outbox
   * is read once per poll, not once per POST. An entry stays safe to post
   * while it waits (watermarks only move forward); the claim re-checks that
   * it is still its device's next, not leased, and due.
   */
  private async read(now: number): Promise<void> {
    const [heads, watermarks] = await Promise.all([this.deps.outbox.heads(), this.deps.outbox.watermarks()]);
    this.ready = releasable(heads, watermarks, { marginMs: this.options.marginMs, now });
    this.readAt = now;
  }
}
