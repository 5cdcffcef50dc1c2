import { TOPICS } from '@espalier/contracts/events';
import { PUSH_TARGETS_PROJECTION } from '@espalier/push/data-access-push';
import type { LogFence } from '@espalier/shared/data-access-postgres';

/**
 * The push projection caught up with everything both its topics held when
 * asked: mdm.enrollment (push data — a device whose TokenUpdate was answered
 * a moment ago has it) and mdm.push (a certificate uploaded a moment ago, a
 * token refused by the previous push).
 */
export class PushFence {
  constructor(
    private readonly fence: LogFence,
    private readonly schema: string,
  ) {}

  catchUp(timeoutMs: number): Promise<void> {
    return this.fence.catchUp(
      [TOPICS.enrollment, TOPICS.push].map((topic) => ({ schema: this.schema, projection: PUSH_TARGETS_PROJECTION, topic })),
      timeoutMs,
    );
  }
}
