import type { CommittedOffset, EventLog, LogConsumer, LogSubscription, PartitionEnd, TopicSpec } from '@espalier/contracts/event-log';

/**
 * One service's view of a log its host shares with other services (the
 * one-process mode). Closing it stops only the consumers this service
 * started (each finishes and commits its batch); appends in flight are
 * awaited by their callers. The log itself stays open for the others, and
 * its host closes it last.
 */
export class SharedEventLogView implements EventLog {
  readonly deleteGroup?: (groupId: string) => Promise<void>;
  private readonly consumers = new Set<LogConsumer>();

  constructor(private readonly inner: EventLog & { deleteGroup?(groupId: string): Promise<void> }) {
    if (inner.deleteGroup) this.deleteGroup = (groupId) => inner.deleteGroup!(groupId);
  }

  get appender() {
    return this.inner.appender;
  }

  subscribe(subscription: LogSubscription): LogConsumer {
    const consumer = this.inner.subscribe(subscription);
    const handle: LogConsumer = {
      start: () => {
        this.consumers.add(handle);
        return consumer.start();
      },
      stop: async () => {
        this.consumers.delete(handle);
        await consumer.stop();
      },
    };
    return handle;
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

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
  }
}
