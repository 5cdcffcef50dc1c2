import type { BatchContext, ConsumedRecord } from '@espalier/contracts/event-log';
import { retryDelay, type WebhookRetryPolicy, type WebhookTopic } from '@espalier/webhook/domain';
import type { ConcurrencyLimit } from './concurrency-limit';
import type { WebhookPost } from './webhook-poster';

/** One event's webhook, ready to post. */
export interface PlannedWebhook {
  readonly record: ConsumedRecord;
  readonly topic: WebhookTopic;
  readonly eventId: string;
  readonly body: Buffer;
}

export interface DeliveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DeliveryDeps {
  readonly post: WebhookPost;
  /** -webhook-concurrency, shared by every partition this member handles. */
  readonly limit: ConcurrencyLimit;
  /** Appends the event to its dead-letter topic, saying why. */
  readonly deadLetter: (record: ConsumedRecord, error: Error, attempts: number) => Promise<void>;
  readonly logger: DeliveryLogger;
  readonly random: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The consumer is stopping (shutdown or rebalance): the batch is left unhandled and delivered again. */
export class DeliveryStoppedError extends Error {
  constructor() {
    super('webhook delivery stopped: the batch will be delivered again');
    this.name = 'DeliveryStoppedError';
  }
}

/** Waits are cut into slices this long, each followed by a heartbeat, so a long outage does not cost the group membership. */
const HEARTBEAT_SLICE_MS = 1_000;

/**
 * Delivers one webhook: POST, and on failure wait (exponential backoff with
 * jitter) and POST again, until delivered or -webhook-max-attempts is used
 * up, then dead-letter it. Logs carry the log position, never the body
 * (raw requests may hold secrets) or the HMAC key.
 */
export class WebhookDelivery {
  constructor(
    private readonly deps: DeliveryDeps,
    private readonly policy: WebhookRetryPolicy,
  ) {}

  async deliver(item: PlannedWebhook, ctx: BatchContext): Promise<'delivered' | 'dead-lettered'> {
    const where = { topic: item.record.topic, partition: item.record.partition, offset: item.record.offset, eventId: item.eventId, webhookTopic: item.topic };
    for (let attempt = 1; ; attempt++) {
      if (!ctx.isRunning()) throw new DeliveryStoppedError();
      const outcome = await this.deps.limit.run(() => this.deps.post.post(item.body));
      if (outcome.delivered) {
        if (attempt > 1) this.deps.logger.info({ ...where, attempts: attempt }, 'webhook: delivered after retrying');
        return 'delivered';
      }
      const failure = { ...where, attempt, status: outcome.status, reason: outcome.reason };
      const delay = retryDelay(attempt, this.policy, this.deps.random());
      if (delay === null) {
        await this.deps.deadLetter(item.record, new Error(`webhook: POST ${outcome.reason}, ${attempt} attempts used`), attempt);
        this.deps.logger.error(failure, 'webhook: attempts used up, event sent to the dead-letter topic');
        return 'dead-lettered';
      }
      this.deps.logger.warn({ ...failure, retryInMs: delay }, 'webhook: POST failed, retrying');
      await this.wait(delay, ctx);
    }
  }

  private async wait(ms: number, ctx: BatchContext): Promise<void> {
    for (let left = ms; left > 0; left -= HEARTBEAT_SLICE_MS) {
      await this.deps.sleep(Math.min(left, HEARTBEAT_SLICE_MS));
      try {
        await ctx.heartbeat();
      } catch {
        // A rebalance is under way: this member must let go of its batches to rejoin.
        throw new DeliveryStoppedError();
      }
      if (!ctx.isRunning()) throw new DeliveryStoppedError();
    }
  }
}
