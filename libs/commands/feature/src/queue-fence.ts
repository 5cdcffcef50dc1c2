import { TOPICS } from '@espalier/contracts/events';
import { QUEUE_PROJECTION } from '@espalier/commands/data-access-queue';
import type { LogFence } from '@espalier/shared/data-access-postgres';
import type { ReadFence } from './report.service';

/**
 * The commands projection caught up with the device's partitions of both
 * topics it reads: mdm.enrollment (TokenUpdate, Authenticate, associations —
 * so a device whose TokenUpdate got 200 is authorised here at once) and
 * mdm.command (its queue, its own previous reports).
 */
export class QueueFence implements ReadFence {
  constructor(
    private readonly fence: LogFence,
    private readonly schema: string,
  ) {}

  catchUp(deviceChannelId: string, timeoutMs: number): Promise<void> {
    return this.fence.catchUp(
      [TOPICS.enrollment, TOPICS.command].map((topic) => ({ schema: this.schema, projection: QUEUE_PROJECTION, topic, key: deviceChannelId })),
      timeoutMs,
    );
  }

  /** Everything in both topics, for decisions that span devices (an enqueue to many enrollments). */
  catchUpAll(timeoutMs: number): Promise<void> {
    return this.fence.catchUp(
      [TOPICS.enrollment, TOPICS.command].map((topic) => ({ schema: this.schema, projection: QUEUE_PROJECTION, topic })),
      timeoutMs,
    );
  }
}
