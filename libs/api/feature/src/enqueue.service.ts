import { createEvent, encodeEvent } from '@espalier/contracts/events';
import { apiStatusCode, checkEnqueue, orderedResult, pushResults, type ApiResult } from '@espalier/api/domain';
import { decodeEnqueuedCommand, type EnqueuedCommand } from '@espalier/mdm/protocol';
import { errorText } from './api-reply';
import { apiMeta, type ApiDeps, type ApiOptions, type ApiReply } from './api.deps';
import type { PushService } from './push.service';

const INVALID_COMMAND = /empty CommandUUID|missing Command dict|empty RequestType/;

/**
 * NanoMDM's command decoding errors (§3.8): a plist without CommandUUID or
 * RequestType is "invalid command"; anything unparsable is a parse error
 * that echoes the body.
 */
function decode(body: Buffer): EnqueuedCommand | string {
  try {
    return decodeEnqueuedCommand(body);
  } catch (error) {
    const message = errorText(error);
    if (INVALID_COMMAND.test(message)) return 'decoding command: invalid command';
    return `decoding command: parse error: ${message.replace(/^decoding command: /, '')}: raw content: ${body.toString('utf8')}`;
  }
}

/**
 * `/v1/enqueue/<ids>[?nopush=…]` (§3.8): the raw plist, byte-for-byte, as
 * one CommandSubmitted for all the IDs — or nothing at all when any ID is
 * unknown or the CommandUUID was used (all-or-nothing, from the API's own
 * projection). The commands service queues it; unless nopush, the push
 * service pushes every queued enrollment, and the answer carries the push
 * outcomes that arrived within -push-wait. An empty body is a push only.
 */
export class EnqueueService {
  constructor(
    private readonly deps: ApiDeps,
    private readonly options: ApiOptions,
    private readonly pushes: Pick<PushService, 'push'>,
  ) {}

  async enqueue(ids: readonly string[], body: Buffer, noPush: boolean): Promise<ApiReply> {
    const flag: ApiResult = noPush ? { no_push: true } : {};
    if (body.length === 0) {
      if (noPush) return { status: 500, body: orderedResult({ ...flag, command_error: 'must enqueue or push' }) };
      return this.pushes.push(ids);
    }
    const command = decode(body);
    if (typeof command === 'string') return { status: 500, body: orderedResult({ ...flag, command_error: command }) };
    const named: ApiResult = { ...flag, command_uuid: command.commandUuid, request_type: command.requestType };
    const unique = [...new Set(ids)];
    const refused = await this.check(command, unique);
    if (refused) return { status: 500, body: orderedResult({ ...named, command_error: refused }) };

    const correlationId = this.deps.newId();
    const expectation = noPush ? null : this.deps.watcher.expect(correlationId, unique);
    const decided = this.deps.decisions.expect(correlationId, unique.length);
    try {
      const data = { commandUuid: command.commandUuid, requestType: command.requestType, payload: body.toString('base64'), enrollmentIds: unique, noPush };
      await this.deps.appender.append([encodeEvent(createEvent('CommandSubmitted', data, apiMeta(this.deps, correlationId)))]);
    } catch (error) {
      expectation?.cancel();
      decided.cancel();
      this.deps.logger.error({ err: error, commandUuid: command.commandUuid }, 'api: command not appended');
      return { status: 500, body: orderedResult({ ...named, command_error: `enqueuing command: ${errorText(error)}` }) };
    }
    // The commands service has the last word (a concurrent request may have taken the UUID first):
    // wait for its decision, so the answer is true and the queue shows the command once this returns.
    const decision = await decided.decision(this.options.fenceTimeoutMs);
    if (decision.kind === 'rejected') {
      expectation?.cancel();
      return { status: 500, body: orderedResult({ ...named, command_error: `enqueuing command: ${decision.detail}` }) };
    }
    if (decision.kind === 'undecided') this.deps.logger.warn({ commandUuid: command.commandUuid }, 'api: no enqueue decision in time; the submission is in the log and will be decided');
    if (!expectation) return { status: 200, body: orderedResult(named) };
    const result = orderedResult({ ...pushResults(unique, await expectation.outcomes(this.options.pushWaitMs)), ...named });
    return { status: apiStatusCode(result, ids.length), body: result };
  }

  /** The refusal text, or null; a projection that cannot catch up is a refusal too (nothing is appended). */
  private async check(command: EnqueuedCommand, ids: readonly string[]): Promise<string | null> {
    try {
      await this.deps.fence.catchUp(this.options.fenceTimeoutMs);
      return checkEnqueue(command.commandUuid, ids, await this.deps.reader.enqueueFacts(command.commandUuid, ids));
    } catch (error) {
      this.deps.logger.error({ err: error, commandUuid: command.commandUuid }, 'api: enqueue facts unavailable');
      return `enqueuing command: ${errorText(error)}`;
    }
  }
}
