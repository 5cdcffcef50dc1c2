import type { EventLog, LogConsumer, LogSubscription } from '@espalier/contracts/event-log';
import { EventLogDecorator, type DeletableGroupsLog } from '../event-log-decorator';

/** A consumer group this process runs, as it subscribed. */
export interface RunningGroup {
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
}

/**
 * Which consumer groups this process runs, for lag on /metrics. It learns
 * them by decorating the event log every component subscribes through
 * (projection runners, the push dispatcher, the enqueue handler, the outcome
 * watcher…), so a new consumer is measured without being registered anywhere.
 */
export class ConsumerGroupRegistry {
  private readonly running = new Map<string, RunningGroup & { members: number }>();

  track(log: EventLog): EventLog {
    return new GroupTrackingEventLog(log, this);
  }

  groups(): RunningGroup[] {
    return [...this.running.values()].map(({ groupId, topics, fromBeginning }) => ({ groupId, topics, fromBeginning }));
  }

  /** @internal: the decorator reports subscriptions started and stopped. */
  joined(subscription: LogSubscription): void {
    const known = this.running.get(subscription.groupId);
    const topics = [...new Set([...(known?.topics ?? []), ...subscription.topics])];
    this.running.set(subscription.groupId, { groupId: subscription.groupId, topics, fromBeginning: subscription.fromBeginning, members: (known?.members ?? 0) + 1 });
  }

  left(groupId: string): void {
    const known = this.running.get(groupId);
    if (!known) return;
    if (known.members <= 1) this.running.delete(groupId);
    else this.running.set(groupId, { ...known, members: known.members - 1 });
  }
}

/** The event log, unchanged, except that subscriptions are reported to the registry. */
class GroupTrackingEventLog extends EventLogDecorator {
  constructor(
    inner: DeletableGroupsLog,
    private readonly registry: ConsumerGroupRegistry,
  ) {
    super(inner);
  }

  override subscribe(subscription: LogSubscription): LogConsumer {
    const consumer = this.inner.subscribe(subscription);
    let state: 'new' | 'started' | 'stopped' = 'new';
    return {
      start: async () => {
        if (state === 'new') this.registry.joined(subscription);
        state = 'started';
        try {
          await consumer.start();
        } catch (error) {
          this.registry.left(subscription.groupId);
          state = 'stopped';
          throw error;
        }
      },
      stop: async () => {
        if (state === 'started') this.registry.left(subscription.groupId);
        state = 'stopped';
        await consumer.stop();
      },
    };
  }
}
