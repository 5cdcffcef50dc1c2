import type { LogAppender } from '@espalier/contracts/event-log';
import type { ApiReader } from '@espalier/api/data-access-api';
import type { SecretBox } from '@espalier/shared/util-crypto';
import type { Logger } from '@espalier/shared/util-logging';
import type { DecisionWatcher } from './decision-watcher';
import type { OutcomeWatcher } from './outcome-watcher';

/** What the API's use cases need; wired in ApiModule, faked in specs. */
export interface ApiDeps {
  readonly appender: LogAppender;
  readonly fence: { catchUp(timeoutMs: number): Promise<void> };
  readonly reader: Pick<ApiReader, 'enqueueFacts' | 'pushCertNotAfter' | 'pushCertificate'>;
  readonly watcher: OutcomeWatcher;
  readonly decisions: DecisionWatcher;
  readonly box: SecretBox;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly logger: Logger;
}

export interface ApiOptions {
  /** Apple's escrowKeyUnlock endpoint (-escrow-key-unlock-url). */
  readonly escrowKeyUnlockUrl: string;
  /** How long /v1/push and /v1/enqueue wait for push outcomes (-push-wait). */
  readonly pushWaitMs: number;
  /** How long a request waits for the API's projection to catch up with the log. */
  readonly fenceTimeoutMs: number;
}

/** An API answer: the status code and the JSON object NanoMDM would write. */
export interface ApiReply {
  readonly status: number;
  readonly body: object;
}

/** Envelope fields of the events the API appends: it speaks for an operator, not a device. */
export function apiMeta(deps: Pick<ApiDeps, 'clock' | 'newId'>, correlationId: string) {
  return { eventId: deps.newId(), occurredAt: deps.clock().toISOString(), enrollmentId: null, deviceId: null, source: 'api' as const, correlationId, causationId: null };
}
