import type { ConsumedRecord } from '@espalier/contracts/event-log';
import type { SecretBox } from '@espalier/shared/util-crypto';
import { retryDelay, type WebhookRetryPolicy } from '@espalier/webhook/domain';
import type { ClaimedWebhook, OutboxStore } from './outbox.store';
import type { WebhookPost } from './webhook-poster';

export interface DeliveryLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface DeliveryDeps {
  readonly post: WebhookPost;
  readonly outbox: Pick<OutboxStore, 'remove' | 'retryAt' | 'release'>;
  readonly box: SecretBox;
  /** Appends the event to its dead-letter topic, saying why. */
  readonly deadLetter: (record: ConsumedRecord, error: Error, attempts: number) => Promise<void>;
  readonly logger: DeliveryLogger;
  readonly random: () => number;
  readonly now: () => number;
}

export type AttemptOutcome = 'delivered' | 'retrying' | 'dead-lettered' | 'stopped';

/**
 * One attempt at a leased outbox row: POST its body; delivered, it leaves
 * the outbox; failed, it waits (exponential backoff with jitter) for the
 * next attempt, or once -webhook-max-attempts are used it goes to the
 * dead-letter topic and leaves the outbox, so the device's next webhook
 * goes. Logs carry the log position, never the body (raw requests may
 * hold secrets) or the HMAC key.
 */
export class WebhookDelivery {
  constructor(
    private readonly deps: DeliveryDeps,
    private readonly policy: WebhookRetryPolicy,
  ) {}

  async attempt(item: ClaimedWebhook, stop: AbortSignal): Promise<AttemptOutcome> {
    const { outbox, logger } = this.deps;
    const where = { topic: item.record.topic, partition: item.record.partition, offset: item.record.offset, eventId: item.eventId, webhookTopic: item.webhookTopic };
    let body: Buffer;
    try {
      body = this.deps.box.open(item.body, item.eventId);
    } catch (error) {
      // Sealed with a key this process no longer has: no retry can help.
      return this.deadLetter(item, where, `cannot open the stored body: ${(error as Error).message}`, item.attempts + 1);
    }
    const outcome = await this.deps.post.post(body, stop);
    if (outcome.delivered) {
      await outbox.remove(item);
      if (item.attempts > 0) logger.info({ ...where, attempts: item.attempts + 1 }, 'webhook: delivered after retrying');
      return 'delivered';
    }
    if (stop.aborted) {
      // Cut short by a shutdown: not the receiver's failure, the next owner posts it at once.
      await outbox.release(item);
      return 'stopped';
    }
    const attempt = item.attempts + 1;
    const failure = { ...where, attempt, status: outcome.status, reason: outcome.reason };
    const delay = retryDelay(attempt, this.policy, this.deps.random());
    if (delay === null) return this.deadLetter(item, failure, `POST ${outcome.reason}, ${attempt} attempts used`, attempt);
    await outbox.retryAt(item, attempt, new Date(this.deps.now() + delay));
    logger.warn({ ...failure, retryInMs: delay }, 'webhook: POST failed, retrying');
    return 'retrying';
  }

  private async deadLetter(item: ClaimedWebhook, where: object, why: string, attempts: number): Promise<'dead-lettered'> {
    await this.deps.deadLetter(item.record, new Error(`webhook: ${why}`), attempts);
    await this.deps.outbox.remove(item);
    this.deps.logger.error({ ...where, attempts, reason: why }, 'webhook: event sent to the dead-letter topic');
    return 'dead-lettered';
  }
}
