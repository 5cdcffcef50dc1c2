import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventLog } from '@espalier/contracts/event-log';
import { TOPICS } from '@espalier/contracts/events';
import { EVENT_LOG, LOGGER, STORAGE_READY, type StorageReady } from '@espalier/contracts/runtime';
import type { Logger } from '@espalier/shared/util-logging';
import { WebhookBatchHandler } from './webhook-batch.handler';
import { WebhookStore } from './webhook.store';

/** The webhook bridge's own consumer group: it reads what checkin and commands wrote, so it never slows a device request. */
export const WEBHOOK_GROUP = 'espalier.webhook';

/** Check-ins and command reports (NanoMDM's mdm.Connect). */
export const WEBHOOK_SOURCE_TOPICS = [TOPICS.enrollment, TOPICS.command] as const;

/**
 * Starts the consumer once the schema is migrated: first records where
 * delivery begins (only on the very first start), then joins the group at
 * the service's own checkpoints. A group that cannot start leaves the
 * service useless, so the process exits and its supervisor restarts it. The
 * runtime's log.close() stops the consumer after its batches in flight.
 */
@Injectable()
export class WebhookHost implements OnApplicationBootstrap {
  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(STORAGE_READY) private readonly storage: StorageReady,
    @Inject(WebhookStore) private readonly store: WebhookStore,
    @Inject(WebhookBatchHandler) private readonly handler: WebhookBatchHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.start().catch((error: unknown) => {
      this.logger.error({ err: error, groupId: WEBHOOK_GROUP }, 'consumer group failed to start');
      process.exit(1);
    });
  }

  private async start(): Promise<void> {
    await this.storage.ready;
    for (const topic of WEBHOOK_SOURCE_TOPICS) await this.store.initDeliveryStart(topic, await this.log.endOffsets(topic));
    await this.log
      .subscribe({
        groupId: WEBHOOK_GROUP,
        topics: WEBHOOK_SOURCE_TOPICS,
        fromBeginning: true,
        handleBatch: (batch, ctx) => this.handler.handle(batch, ctx),
        startOffsets: (topic, partitions) => this.store.startOffsets(topic, partitions),
      })
      .start();
    this.logger.info({ groupId: WEBHOOK_GROUP, topics: WEBHOOK_SOURCE_TOPICS }, 'webhook: delivering');
  }
}
