import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventLog } from '@espalier/contracts/event-log';
import { TOPICS } from '@espalier/contracts/events';
import { EVENT_LOG, LOGGER, STORAGE_READY, type StorageReady } from '@espalier/contracts/runtime';
import type { Logger } from '@espalier/shared/util-logging';
import { ENQUEUE_GROUP, EnqueueHandler } from './enqueue.handler';

/**
 * Runs the enqueue handler as its own consumer group on mdm.command, once
 * the schema is migrated and the projection runs. The log's close() (in the
 * runtime's shutdown) stops it after its batch in flight.
 */
@Injectable()
export class EnqueueHost implements OnApplicationBootstrap {
  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(STORAGE_READY) private readonly storage: StorageReady,
    @Inject(EnqueueHandler) private readonly handler: EnqueueHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** Not awaited: Nest runs bootstrap hooks module by module, and the storage may become ready after this one. */
  onApplicationBootstrap(): void {
    this.start().catch((error) => {
      this.logger.error({ err: error, groupId: ENQUEUE_GROUP }, 'enqueue consumer failed to start');
      process.exit(1);
    });
  }

  private async start(): Promise<void> {
    await this.storage.ready;
    const consumer = this.log.subscribe({
      groupId: ENQUEUE_GROUP,
      topics: [TOPICS.command],
      // Every submission ever made must be decided; decisions already taken stand (see EnqueueHandler).
      fromBeginning: true,
      handleBatch: (batch, ctx) => this.handler.handleBatch(batch, ctx),
    });
    await consumer.start();
  }
}
