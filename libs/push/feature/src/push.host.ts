import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { EventLog } from '@espalier/contracts/event-log';
import { TOPICS } from '@espalier/contracts/events';
import { EVENT_LOG, LOGGER, STORAGE_READY, startGroupWhenReady, type StorageReady } from '@espalier/contracts/runtime';
import type { Logger } from '@espalier/shared/util-logging';
import { ApnsClients } from './apns-clients';
import { triggersOf } from './push-triggers';
import { TriggerWindow } from './trigger-window';

export const PUSH_GROUP = 'espalier.push.dispatch';

/**
 * Runs the push dispatcher as its own consumer group on mdm.push
 * (PushRequested) and mdm.command (CommandQueued), once the schema is
 * migrated and the projection runs. A batch counts as handled only when its
 * triggers' outcomes are in the log. A new group starts at the beginning of
 * both topics, so no trigger written before the first start is missed.
 */
@Injectable()
export class PushHost implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(STORAGE_READY) private readonly storage: StorageReady,
    @Inject(TriggerWindow) private readonly window: TriggerWindow,
    @Inject(ApnsClients) private readonly clients: ApnsClients,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    startGroupWhenReady(this.log, this.storage, this.logger, {
      groupId: PUSH_GROUP,
      topics: [TOPICS.push, TOPICS.command],
      fromBeginning: true,
      handleBatch: async (batch) => {
        const triggers = triggersOf(batch, this.logger);
        if (triggers.length > 0) await this.window.add(triggers);
      },
    });
  }

  /**
   * After the runtime closed the log, which lets the batches in flight finish
   * their pushes and write their outcomes; only then do APNs connections go.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.clients.close();
  }
}
