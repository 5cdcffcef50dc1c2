import type { LogConsumer, LogSubscription } from '@espalier/contracts/event-log';
import { EventLogDecorator } from './event-log-decorator';

/**
 * One service's view of a log its host shares with other services (the
 * one-process mode). Closing it stops only the consumers this service
 * started (each finishes and commits its batch); appends in flight are
 * awaited by their callers. The log itself stays open for the others, and
 * its host closes it last.
 */
export class SharedEventLogView extends EventLogDecorator {
  private readonly consumers = new Set<LogConsumer>();

  override subscribe(subscription: LogSubscription): LogConsumer {
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

  override async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
  }
}
