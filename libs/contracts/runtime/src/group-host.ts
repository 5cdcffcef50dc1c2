import type { EventLog, LogSubscription } from '@espalier/contracts/event-log';
import type { StorageReady } from './storage-ready';

interface ErrorLogger {
  error(obj: object, msg: string): void;
}

/**
 * Starts a service's own consumer group (not a projection) once its schema is
 * migrated and its projections run. Not awaited by the caller: Nest runs
 * bootstrap hooks module by module, and storage may become ready after the
 * caller's. A group that cannot start leaves the service unable to do its
 * work, so the process exits and its supervisor restarts it. The log's
 * close() (in the runtime's shutdown) stops the consumer after its batch in
 * flight.
 */
export function startGroupWhenReady(log: EventLog, storage: StorageReady, logger: ErrorLogger, subscription: LogSubscription): void {
  const start = async () => {
    await storage.ready;
    await log.subscribe(subscription).start();
  };
  start().catch((error: unknown) => {
    logger.error({ err: error, groupId: subscription.groupId }, 'consumer group failed to start');
    process.exit(1);
  });
}
