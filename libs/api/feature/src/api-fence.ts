import { ALL_TOPICS } from '@espalier/contracts/events';
import { API_PROJECTION } from '@espalier/api/data-access-api';
import type { LogFence } from '@espalier/shared/data-access-postgres';

/**
 * The API's projection caught up with everything the log held when a
 * request arrived: a device enrolled a moment ago can be targeted, a
 * CommandUUID submitted a moment ago (by any replica) is taken, a
 * certificate uploaded a moment ago can be read back.
 */
export class ApiFence {
  constructor(
    private readonly fence: LogFence,
    private readonly schema: string,
  ) {}

  catchUp(timeoutMs: number): Promise<void> {
    return this.fence.catchUp(
      ALL_TOPICS.map((topic) => ({ schema: this.schema, projection: API_PROJECTION, topic })),
      timeoutMs,
    );
  }
}
