import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventLog } from '@espalier/contracts/event-log';
import { TOPICS } from '@espalier/contracts/events';
import { EVENT_LOG, LOGGER, STORAGE_READY, startGroupWhenReady, type StorageReady } from '@espalier/contracts/runtime';
import type { Logger } from '@espalier/shared/util-logging';
import { ENQUEUE_GROUP, EnqueueHandler } from './enqueue.handler';

/**
 * Runs the enqueue handler as its own consumer group on mdm.command, once
 * the schema is migrated and the projection runs.
 */
@Injectable()
export class EnqueueHost implements OnApplicationBootstrap {
  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(STORAGE_READY) private readonly storage: StorageReady,
    @Inject(EnqueueHandler) private readonly handler: EnqueueHandler,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    startGroupWhenReady(this.log, this.storage, this.logger, {
      groupId: ENQUEUE_GROUP,
      topics: [TOPICS.command],
      // Every submission ever made must be decided; decisions already taken stand (see EnqueueHandler).
      fromBeginning: true,
      handleBatch: (batch, ctx) => this.handler.handleBatch(batch, ctx),
    });
  }
}
