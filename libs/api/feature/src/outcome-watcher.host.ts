import { randomUUID } from 'node:crypto';
import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { EventLog } from '@espalier/contracts/event-log';
import { TOPICS } from '@espalier/contracts/events';
import { EVENT_LOG, LOGGER, STORAGE_READY, startGroupWhenReady, type StorageReady } from '@espalier/contracts/runtime';
import type { Logger } from '@espalier/shared/util-logging';
import { DecisionWatcher } from './decision-watcher';
import { OutcomeWatcher } from './outcome-watcher';

/**
 * Feeds this instance's OutcomeWatcher from mdm.push and DecisionWatcher
 * from mdm.command. Its group is its own
 * (every replica must see every outcome, since any replica may be waiting)
 * and starts at the end of the topics: outcomes of earlier requests have no
 * one waiting for them. Ephemeral: deleted when the replica stops.
 */
@Injectable()
export class OutcomeWatcherHost implements OnApplicationBootstrap {
  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(STORAGE_READY) private readonly storage: StorageReady,
    @Inject(OutcomeWatcher) private readonly watcher: OutcomeWatcher,
    @Inject(DecisionWatcher) private readonly decisions: DecisionWatcher,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    startGroupWhenReady(this.log, this.storage, this.logger, {
      groupId: `espalier.api.outcomes.${randomUUID()}`,
      topics: [TOPICS.push, TOPICS.command],
      fromBeginning: false,
      ephemeral: true,
      handleBatch: (batch) => (batch.topic === TOPICS.push ? this.watcher.handleBatch(batch) : this.decisions.handleBatch(batch)),
    });
  }
}
