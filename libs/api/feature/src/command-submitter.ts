import { createEvent, encodeEvent } from '@espalier/contracts/events';
import { checkEnqueue, type EnqueueRefusal } from '@espalier/api/domain';
import type { EnqueuedCommand } from '@espalier/mdm/protocol';
import { errorText } from './api-reply';
import { apiMeta, type ApiDeps, type ApiOptions } from './api.deps';
import type { Expectation } from './outcome-watcher';

export type Submitted =
  /** Refused before anything was appended. */
  | { readonly kind: 'refused'; readonly refusal: EnqueueRefusal }
  /** The commands service refused it (a concurrent submission took the UUID first). */
  | { readonly kind: 'rejected'; readonly detail: string }
  | { readonly kind: 'failed'; readonly message: string }
  /** In the log; `decided` false when the commands service had not decided within the wait. */
  | { readonly kind: 'submitted'; readonly decided: boolean; readonly pushes: Expectation | null };

/**
 * One command to many enrollments, all or nothing (§3.8): the API's
 * projection, caught up with the log, must know every ID and not know the
 * UUID; then one CommandSubmitted with the exact bytes, and a bounded wait
 * for the commands service's decision. Shared by NanoMDM's /v1/enqueue and
 * the JSON /v1/commands.
 */
export class CommandSubmitter {
  constructor(
    private readonly deps: ApiDeps,
    private readonly options: ApiOptions,
  ) {}

  async submit(command: EnqueuedCommand, payload: Buffer, ids: readonly string[], options: { noPush: boolean; watchPushes: boolean }): Promise<Submitted> {
    const refusal = await this.check(command, ids);
    if (refusal) return { kind: 'refused', refusal };
    const correlationId = this.deps.newId();
    const pushes = options.noPush || !options.watchPushes ? null : this.deps.watcher.expect(correlationId, ids);
    const decided = this.deps.decisions.expect(correlationId, ids.length);
    try {
      const data = { commandUuid: command.commandUuid, requestType: command.requestType, payload: payload.toString('base64'), enrollmentIds: [...ids], noPush: options.noPush };
      await this.deps.appender.append([encodeEvent(createEvent('CommandSubmitted', data, apiMeta(this.deps, correlationId)))]);
    } catch (error) {
      pushes?.cancel();
      decided.cancel();
      this.deps.logger.error({ err: error, commandUuid: command.commandUuid }, 'api: command not appended');
      return { kind: 'failed', message: `enqueuing command: ${errorText(error)}` };
    }
    // The commands service has the last word (a concurrent request may have taken the UUID first):
    // wait for its decision, so the answer is true and the queue shows the command once this returns.
    const decision = await decided.decision(this.options.fenceTimeoutMs);
    if (decision.kind === 'rejected') {
      pushes?.cancel();
      return { kind: 'rejected', detail: decision.detail };
    }
    if (decision.kind === 'undecided') this.deps.logger.warn({ commandUuid: command.commandUuid }, 'api: no enqueue decision in time; the submission is in the log and will be decided');
    return { kind: 'submitted', decided: decision.kind === 'queued', pushes };
  }

  /** A projection that cannot catch up is a refusal too: nothing is appended. */
  private async check(command: EnqueuedCommand, ids: readonly string[]): Promise<EnqueueRefusal | null> {
    try {
      await this.deps.fence.catchUp(this.options.fenceTimeoutMs);
      return checkEnqueue(command.commandUuid, ids, await this.deps.reader.enqueueFacts(command.commandUuid, ids));
    } catch (error) {
      this.deps.logger.error({ err: error, commandUuid: command.commandUuid }, 'api: enqueue facts unavailable');
      return { code: 'unavailable', message: `enqueuing command: ${errorText(error)}` };
    }
  }
}
