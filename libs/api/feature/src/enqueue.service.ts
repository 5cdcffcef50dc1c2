import { apiStatusCode, orderedResult, pushResults, type ApiResult } from '@espalier/api/domain';
import { decodeEnqueuedCommand, type EnqueuedCommand } from '@espalier/mdm/protocol';
import { errorText } from './api-reply';
import type { ApiOptions, ApiReply } from './api.deps';
import type { CommandSubmitter } from './command-submitter';
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
    private readonly options: Pick<ApiOptions, 'pushWaitMs'>,
    private readonly pushes: Pick<PushService, 'push'>,
    private readonly submitter: CommandSubmitter,
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
    const submitted = await this.submitter.submit(command, body, unique, { noPush, watchPushes: true });
    if (submitted.kind === 'refused') return { status: 500, body: orderedResult({ ...named, command_error: submitted.refusal.message }) };
    if (submitted.kind === 'rejected') return { status: 500, body: orderedResult({ ...named, command_error: `enqueuing command: ${submitted.detail}` }) };
    if (submitted.kind === 'failed') return { status: 500, body: orderedResult({ ...named, command_error: submitted.message }) };
    if (!submitted.pushes) return { status: 200, body: orderedResult(named) };
    const result = orderedResult({ ...pushResults(unique, await submitted.pushes.outcomes(this.options.pushWaitMs)), ...named });
    return { status: apiStatusCode(result, ids.length), body: result };
  }
}
