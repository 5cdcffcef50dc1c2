import { RunningConsumers, type LogConsumer, type LogSubscription } from '@espalier/contracts/event-log';
import { EventLogDecorator } from './event-log-decorator';

/**
 * One service's view of a log its host shares with other services (the
 * one-process mode). Closing it stops only the consumers this service
 * started (each finishes and commits its batch); appends in flight are
 * awaited by their callers. The log itself stays open for the others, and
 * its host closes it last.
 */
export class SharedEventLogView extends EventLogDecorator {
  private readonly consumers = new RunningConsumers();

  override subscribe(subscription: LogSubscription): LogConsumer {
    return this.consumers.track(this.inner.subscribe(subscription));
  }

  override close(): Promise<void> {
    return this.consumers.stopAll();
  }
}
