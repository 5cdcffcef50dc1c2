import { createEvent, encodeEvent, PUSH_FAILURE } from '@espalier/contracts/events';
import { apiStatusCode, orderedResult, pushResults, type PushOutcomeFact } from '@espalier/api/domain';
import { errorText } from './api-reply';
import { apiMeta, type ApiDeps, type ApiOptions, type ApiReply } from './api.deps';

const MISSING: PushOutcomeFact = { sent: false, topic: null, status: null, reason: PUSH_FAILURE.dataMissing, apnsTimestamp: null };

/**
 * `/v1/push/<ids>` (§3.7): one PushRequested for the named IDs, answered
 * once it is durable, with the outcomes the push service reported within
 * -push-wait. An empty ID can have no push data: it is answered at once.
 */
export class PushService {
  constructor(
    private readonly deps: ApiDeps,
    private readonly options: ApiOptions,
  ) {}

  async push(ids: readonly string[]): Promise<ApiReply> {
    const unique = [...new Set(ids)];
    const named = unique.filter((id) => id !== '');
    const correlationId = this.deps.newId();
    const expectation = this.deps.watcher.expect(correlationId, named);
    if (named.length > 0) {
      try {
        const event = createEvent('PushRequested', { enrollmentIds: named }, apiMeta(this.deps, correlationId));
        await this.deps.appender.append([encodeEvent(event)]);
      } catch (error) {
        expectation.cancel();
        this.deps.logger.error({ err: error }, 'api: push request not appended');
        return { status: 500, body: { push_error: `requesting push: ${errorText(error)}` } };
      }
    }
    const outcomes = await expectation.outcomes(this.options.pushWaitMs);
    if (unique.length > named.length) outcomes.set('', MISSING);
    const result = orderedResult(pushResults(unique, outcomes));
    return { status: apiStatusCode(result, ids.length), body: result };
  }
}
