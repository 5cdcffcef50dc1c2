import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ConsumedRecord, EventLog } from '@espalier/contracts/event-log';
import { EVENT_LOG, LOGGER, PG_POOL } from '@espalier/contracts/runtime';
import { deadLetterRecord } from '@espalier/shared/data-access-postgres';
import type { Config } from '@espalier/shared/util-config';
import { secretBoxFromSettings } from '@espalier/shared/util-crypto';
import type { Logger } from '@espalier/shared/util-logging';
import type { PartitionRef } from '@espalier/webhook/domain';
import { CaughtUpWatch } from './caught-up.watch';
import { OutboxStore } from './outbox.store';
import { WebhookBatchHandler } from './webhook-batch.handler';
import { WebhookDelivery } from './webhook-delivery';
import { WEBHOOK_GROUP, WEBHOOK_SOURCE_TOPICS, WebhookHost } from './webhook.host';
import { WebhookPoster } from './webhook-poster';
import { WebhookSender } from './webhook-sender';
import { WebhookStore } from './webhook.store';

export const WEBHOOK_SCHEMA = 'webhook';

/** How often the sender looks at the outbox when nothing woke it (retries falling due). */
const POLL_MS = 250;
/** How often caught-up partitions' watermarks move to "now". */
const CAUGHT_UP_EVERY_MS = 500;
/** A lease outlives the POST it covers (-webhook-timeout) by this much. */
const LEASE_SLACK_MS = 30_000;

@Module({})
export class WebhookModule {
  static forRoot(config: Config<'webhook'>): DynamicModule {
    // TokenUpdate and SetBootstrapToken requests are sealed in the log; their webhooks carry them in clear, as NanoMDM's do,
    // so the bodies waiting in the outbox are sealed with the same key.
    const box = secretBoxFromSettings(config, 'webhook', 'to open the requests sealed in the log and seal the webhook bodies it stores');
    const poster = new WebhookPoster({ url: config.webhookUrl, hmacKey: config.webhookHmacKey, timeoutMs: config.webhookTimeout });
    const policy = { maxAttempts: config.webhookMaxAttempts, minDelayMs: config.webhookBackoffMin, maxDelayMs: config.webhookBackoffMax };
    const now = () => Date.now();
    return {
      module: WebhookModule,
      providers: [
        { provide: WebhookStore, inject: [PG_POOL], useFactory: (pool: Pool) => new WebhookStore(pool, WEBHOOK_SCHEMA) },
        { provide: OutboxStore, inject: [PG_POOL], useFactory: (pool: Pool) => new OutboxStore(pool, WEBHOOK_SCHEMA) },
        {
          provide: WebhookSender,
          inject: [OutboxStore, EVENT_LOG, LOGGER],
          useFactory: (outbox: OutboxStore, log: EventLog, logger: Logger) => {
            const child = logger.child({ component: 'webhook' });
            const delivery = new WebhookDelivery({ post: poster, outbox, box, deadLetter: deadLetterTo(log), logger: child, random: Math.random, now }, policy);
            return new WebhookSender(
              { outbox, delivery, logger: child, now },
              { concurrency: config.webhookConcurrency, marginMs: config.webhookOrderMargin, leaseMs: config.webhookTimeout + LEASE_SLACK_MS, pollMs: POLL_MS },
            );
          },
        },
        {
          provide: WebhookBatchHandler,
          inject: [WebhookStore, OutboxStore, WebhookSender, EVENT_LOG, LOGGER],
          useFactory: (store: WebhookStore, outbox: OutboxStore, sender: WebhookSender, log: EventLog, logger: Logger) =>
            new WebhookBatchHandler({ store, outbox, box, gateOf: gateIn(log), deadLetter: deadLetterTo(log), onIngested: () => sender.wake(), logger: logger.child({ component: 'webhook' }) }),
        },
        {
          provide: CaughtUpWatch,
          inject: [WebhookStore, OutboxStore, WebhookSender, EVENT_LOG, LOGGER],
          useFactory: (store: WebhookStore, outbox: OutboxStore, sender: WebhookSender, log: EventLog, logger: Logger) =>
            new CaughtUpWatch(WEBHOOK_SOURCE_TOPICS, { log, store, outbox, logger: logger.child({ component: 'webhook' }), now, onAdvance: () => sender.wake() }, CAUGHT_UP_EVERY_MS),
        },
        WebhookHost,
      ],
    };
  }
}

/** <topic>.dlq keeps the event's exact bytes; the headers say the webhook consumer gave up, and why. */
function deadLetterTo(log: EventLog) {
  return async (record: ConsumedRecord, error: Error, attempts: number): Promise<void> => {
    await log.appender.append([deadLetterRecord(record, { error, attempts, consumer: WEBHOOK_GROUP, at: new Date() })]);
  };
}

/**
 * The other source topic's partition holding a key's events, chosen as the
 * appender chooses it (both topics are provisioned alike, so it is the same
 * number, but asking costs nothing: the partition table is cached).
 */
function gateIn(log: EventLog) {
  return async (topic: string, key: string): Promise<PartitionRef> => {
    const other = WEBHOOK_SOURCE_TOPICS.find((t) => t !== topic) ?? topic;
    return { topic: other, partition: await log.partitionFor(other, key) };
  };
}
