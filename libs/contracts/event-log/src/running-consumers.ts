import type { LogConsumer } from './event-log.port';

/**
 * The consumers a log (or one service's view of a shared log) started and
 * has not stopped, so that closing it stops exactly those, each finishing
 * and committing its batch.
 */
export class RunningConsumers {
  private readonly running = new Set<LogConsumer>();

  /** The consumer, counted from its start until its stop; `afterStop` runs once it stopped. */
  track(consumer: LogConsumer, afterStop?: () => Promise<void>): LogConsumer {
    const handle: LogConsumer = {
      start: () => {
        this.running.add(handle);
        return consumer.start();
      },
      stop: async () => {
        this.running.delete(handle);
        await consumer.stop();
        await afterStop?.();
      },
    };
    return handle;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running].map((c) => c.stop()));
  }
}
