import type { CommittedOffset, EventLog, LogConsumer, LogSubscription, PartitionEnd, TopicSpec } from '@espalier/contracts/event-log';

/** An adapter's optional extra, reachable through decorators: replay deletes its throw-away group with it. */
export type DeletableGroupsLog = EventLog & { deleteGroup?(groupId: string): Promise<void> };

/**
 * Forwards every call to the log it wraps; a decorator overrides only what
 * it changes (subscribe, close).
 */
export abstract class EventLogDecorator implements EventLog {
  readonly deleteGroup?: (groupId: string) => Promise<void>;

  constructor(protected readonly inner: DeletableGroupsLog) {
    if (inner.deleteGroup) this.deleteGroup = (groupId) => inner.deleteGroup!(groupId);
  }

  get appender() {
    return this.inner.appender;
  }

  subscribe(subscription: LogSubscription): LogConsumer {
    return this.inner.subscribe(subscription);
  }

  endOffsets(topic: string): Promise<PartitionEnd[]> {
    return this.inner.endOffsets(topic);
  }

  committedOffsets(groupId: string, topics: readonly string[]): Promise<CommittedOffset[]> {
    return this.inner.committedOffsets(groupId, topics);
  }

  partitionFor(topic: string, key: string): Promise<number> {
    return this.inner.partitionFor(topic, key);
  }

  provisionTopics(topics: readonly TopicSpec[]): Promise<void> {
    return this.inner.provisionTopics(topics);
  }

  ping(): Promise<void> {
    return this.inner.ping();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
