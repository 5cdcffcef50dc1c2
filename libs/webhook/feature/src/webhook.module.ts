import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { ConsumedRecord, EventLog } from '@espalier/contracts/event-log';
import { EVENT_LOG, LOGGER, PG_POOL } from '@espalier/contracts/runtime';
import { deadLetterRecord } from '@espalier/shared/data-access-postgres';
import type { Config } from '@espalier/shared/util-config';
import { secretBoxFromSettings } from '@espalier/shared/util-crypto';
import type { Logger } from '@espalier/shared/util-logging';
import { ConcurrencyLimit } from './concurrency-limit';
import { WebhookBatchHandler } from './webhook-batch.handler';
import { WebhookDelivery } from './webhook-delivery';
import { WEBHOOK_GROUP, WebhookHost } from './webhook.host';
import { WebhookPoster } from './webhook-poster';
import { WebhookStore } from './webhook.store';

export const WEBHOOK_SCHEMA = 'webhook';

@Module({})
export class WebhookModule {
  static forRoot(config: Config<'webhook'>): DynamicModule {
    // TokenUpdate and SetBootstrapToken requests are sealed in the log; their webhooks carry them in clear, as NanoMDM's do.
    const box = secretBoxFromSettings(config, 'webhook', 'to open the TokenUpdate and SetBootstrapToken requests sealed in the log');
    const poster = new WebhookPoster({ url: config.webhookUrl, hmacKey: config.webhookHmacKey, timeoutMs: config.webhookTimeout });
    const limit = new ConcurrencyLimit(config.webhookConcurrency);
    const policy = { maxAttempts: config.webhookMaxAttempts, minDelayMs: config.webhookBackoffMin, maxDelayMs: config.webhookBackoffMax };
    return {
      module: WebhookModule,
      providers: [
        { provide: WebhookStore, inject: [PG_POOL], useFactory: (pool: Pool) => new WebhookStore(pool, WEBHOOK_SCHEMA) },
        {
          provide: WebhookBatchHandler,
          inject: [WebhookStore, EVENT_LOG, LOGGER],
          useFactory: (store: WebhookStore, log: EventLog, logger: Logger) => {
            // <topic>.dlq keeps the event's exact bytes; the headers say the webhook consumer gave up, and why.
            const deadLetter = async (record: ConsumedRecord, error: Error, attempts: number) => {
              await log.appender.append([deadLetterRecord(record, { error, attempts, consumer: WEBHOOK_GROUP, at: new Date() })]);
            };
            const child = logger.child({ component: 'webhook' });
            const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
            const delivery = new WebhookDelivery({ post: poster, limit, deadLetter, logger: child, random: Math.random, sleep }, policy);
            return new WebhookBatchHandler({ store, delivery, box, deadLetter, logger: child });
          },
        },
        WebhookHost,
      ],
    };
  }
}
