import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { EventLog } from '@espalier/contracts/event-log';
import { TOPICS } from '@espalier/contracts/events';
import { EVENT_LOG, LOGGER, STORAGE_READY, type StorageReady } from '@espalier/contracts/runtime';
import type { Logger } from '@espalier/shared/util-logging';
import { CaughtUpWatch } from './caught-up.watch';
import { WebhookBatchHandler } from './webhook-batch.handler';
import { WebhookSender } from './webhook-sender';
import { WebhookStore } from './webhook.store';

/** The webhook bridge's own consumer group: it reads what checkin and commands wrote, so it never slows a device request. */
export const WEBHOOK_GROUP = 'espalier.webhook';

/** Check-ins and command reports (NanoMDM's mdm.Connect). */
export const WEBHOOK_SOURCE_TOPICS = [TOPICS.enrollment, TOPICS.command] as const;

/**
 * Starts the bridge once the schema is migrated: first records where
 * delivery begins (only on the very first start), then joins the group at
 * the service's own checkpoints (ingest into the outbox), then the sender
 * and the watch of caught-up partitions. A group that cannot start leaves
 * the service useless, so the process exits and its supervisor restarts it.
 * On shutdown the sender stops first (POSTs in flight cut short, their rows
 * released); the runtime's log.close() then stops the consumer after its
 * batch in flight, before the pool closes.
 */
@Injectable()
export class WebhookHost implements OnApplicationBootstrap, OnModuleDestroy {
  private stopped = false;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(STORAGE_READY) private readonly storage: StorageReady,
    @Inject(WebhookStore) private readonly store: WebhookStore,
    @Inject(WebhookBatchHandler) private readonly handler: WebhookBatchHandler,
    @Inject(WebhookSender) private readonly sender: WebhookSender,
    @Inject(CaughtUpWatch) private readonly watch: CaughtUpWatch,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.start().catch((error: unknown) => {
      this.logger.error({ err: error, groupId: WEBHOOK_GROUP }, 'consumer group failed to start');
      process.exit(1);
    });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.watch.stop();
    await this.sender.stop();
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
    // A shutdown during start-up: nothing to post from.
    if (this.stopped) return;
    this.sender.start();
    this.watch.start();
    this.logger.info({ groupId: WEBHOOK_GROUP, topics: WEBHOOK_SOURCE_TOPICS }, 'webhook: delivering');
  }
}
