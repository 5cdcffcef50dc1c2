import { parseJsonCommand, type Selector } from '@espalier/api/domain';
import type { EnrollmentsReader } from '@espalier/api/data-access-api';
import { errorText } from './api-reply';
import type { ApiDeps, ApiOptions, ApiReply } from './api.deps';
import type { CommandSubmitter } from './command-submitter';

const REFUSAL_STATUS = { 'uuid-used': 409, 'unknown-enrollments': 404, unavailable: 503 } as const;

/**
 * `POST /v1/commands`: a JSON command, checked against Apple's schema and
 * converted to its plist, for listed enrollment IDs or a selector (all, by
 * push topic, by enrollment type). Same all-or-nothing submission as
 * /v1/enqueue; the answer does not wait for pushes (a fleet-wide command
 * would wait for 100,000 of them): their outcomes follow on mdm.push.
 */
export class JsonCommandService {
  constructor(
    private readonly deps: Pick<ApiDeps, 'newId' | 'fence' | 'logger'>,
    private readonly options: Pick<ApiOptions, 'fenceTimeoutMs'>,
    private readonly submitter: CommandSubmitter,
    private readonly reader: Pick<EnrollmentsReader, 'select'>,
  ) {}

  async submit(body: Buffer): Promise<ApiReply> {
    let input: unknown;
    try {
      input = JSON.parse(body.toString('utf8'));
    } catch (error) {
      return { status: 400, body: { error: `decoding JSON: ${errorText(error)}` } };
    }
    const command = parseJsonCommand(input, () => this.deps.newId().toUpperCase());
    if ('errors' in command) return { status: 400, body: { error: 'invalid command', errors: command.errors } };
    const ids = 'enrollmentIds' in command.targets ? command.targets.enrollmentIds : await this.select(command.targets.selector);
    if (typeof ids === 'string') return { status: 503, body: { error: ids } };
    if (ids.length === 0) return { status: 404, body: { error: 'the selector matches no enrollments' } };
    const submitted = await this.submitter.submit(command, command.plist, ids, { noPush: command.noPush, watchPushes: false });
    if (submitted.kind === 'refused') return { status: REFUSAL_STATUS[submitted.refusal.code], body: { error: submitted.refusal.message } };
    if (submitted.kind === 'rejected') return { status: 409, body: { error: `enqueuing command: ${submitted.detail}` } };
    if (submitted.kind === 'failed') return { status: 503, body: { error: submitted.message } };
    return {
      status: submitted.decided ? 201 : 202,
      body: { command_uuid: command.commandUuid, request_type: command.requestType, enrollments: ids.length, no_push: command.noPush, queued: submitted.decided },
    };
  }

  private async select(selector: Selector): Promise<string[] | string> {
    try {
      await this.deps.fence.catchUp(this.options.fenceTimeoutMs);
      return await this.reader.select(selector);
    } catch (error) {
      this.deps.logger.error({ err: error }, 'api: selecting enrollments failed');
      return `selecting enrollments: ${errorText(error)}`;
    }
  }
}
