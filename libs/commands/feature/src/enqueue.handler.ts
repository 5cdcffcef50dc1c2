import type { BatchContext, ConsumedBatch, LogAppender, LogPosition, LogRecord } from '@espalier/contracts/event-log';
import { createEvent, decodeEvent, encodeEvent, type EventOf } from '@espalier/contracts/events';
import { decideEnqueue, type EnqueueDecision, type Submission } from '@espalier/commands/domain';
import { QUEUE_PROJECTION, type QueueStateReader } from '@espalier/commands/data-access-queue';
import { CatchUpTimeoutError, type CheckpointBarrier } from '@espalier/shared/data-access-postgres';
import type { Logger } from '@espalier/shared/util-logging';
import type { QueueFence } from './queue-fence';

export const ENQUEUE_GROUP = 'espalier.commands.enqueue';

export interface EnqueueHandlerDeps {
  readonly fence: QueueFence;
  readonly reader: QueueStateReader;
  readonly appender: LogAppender;
  readonly barrier: CheckpointBarrier;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
}

export interface EnqueueHandlerOptions {
  readonly schema: string;
  readonly deleteAnswered: boolean;
  /** Bounds each wait on the log or the projection (a 100,000-target submission takes a while to apply). */
  readonly timeoutMs: number;
  /** Records per append: keeps one produce request well under the broker's limits for huge target lists. */
  readonly chunk?: number;
}

/**
 * Turns each CommandSubmitted (from api) into a decision (§7.1, §7.3): one
 * CommandQueued per target enrollment, or one CommandRejected for the whole
 * submission. Decisions are taken from the commands projection caught up with
 * the whole log (so a TokenUpdate answered a moment ago counts and an earlier
 * submission of the same UUID is seen), and the handler waits until its
 * CommandQueued events are applied before taking the next decision.
 *
 * The consumer's offset is committed only after this resolves, so a crash
 * means the submission is seen again; its recorded decision then stands.
 */
export class EnqueueHandler {
  constructor(
    private readonly deps: EnqueueHandlerDeps,
    private readonly options: EnqueueHandlerOptions,
  ) {}

  async handleBatch(batch: ConsumedBatch, ctx?: BatchContext): Promise<void> {
    const submissions = batch.records.filter((r) => r.headers['espalier-type'] === 'CommandSubmitted');
    if (submissions.length === 0) return;
    await this.deps.fence.catchUpAll(this.options.timeoutMs);
    for (const record of submissions) {
      if (ctx && !ctx.isRunning()) throw new Error('enqueue: stopping; the rest of the batch is delivered again');
      let event: EventOf<'CommandSubmitted'>;
      try {
        event = decodeEvent({ value: record.value, headers: record.headers }) as EventOf<'CommandSubmitted'>;
      } catch (error) {
        // The projection dead-letters the same record; nothing can be queued from it.
        this.deps.logger.error({ err: error, topic: record.topic, partition: record.partition, offset: record.offset }, 'enqueue: undecodable submission skipped');
        continue;
      }
      await this.submit(event, ctx);
      await ctx?.heartbeat();
    }
  }

  private async submit(event: EventOf<'CommandSubmitted'>, ctx?: BatchContext): Promise<void> {
    const submission: Submission = {
      submissionId: event.eventId,
      commandUuid: event.data.commandUuid,
      requestType: event.data.requestType,
      payload: Buffer.from(event.data.payload, 'base64'),
      enrollmentIds: event.data.enrollmentIds,
    };
    const known = await this.deps.reader.knownEnrollments(submission.enrollmentIds);
    const state = await this.deps.reader.submissionState(submission.submissionId, submission.commandUuid, this.options.deleteAnswered);
    const decision = decideEnqueue(submission, { ...state, knownEnrollments: new Set(known.keys()) }, { deleteAnswered: this.options.deleteAnswered });
    const log = this.deps.logger.child({ commandUuid: submission.commandUuid, submissionId: submission.submissionId });
    if (decision.kind === 'already-decided') return void log.info({ detail: decision.detail }, 'enqueue: submission seen again');
    const records = this.records(event, decision, known);
    const positions = await this.appendInChunks(records);
    if (decision.kind === 'reject') return void log.info({ reason: decision.reason, detail: decision.detail }, 'enqueue: submission rejected');
    await this.waitApplied(positions, ctx);
    log.info({ targets: decision.targets.length }, 'enqueue: command queued');
  }

  private records(
    event: EventOf<'CommandSubmitted'>,
    decision: Exclude<EnqueueDecision, { kind: 'already-decided' }>,
    devices: ReadonlyMap<string, string>,
  ): LogRecord[] {
    const occurredAt = this.deps.clock().toISOString();
    const meta = <E extends string | null, D extends string | null>(enrollmentId: E, deviceId: D) => ({
      eventId: this.deps.newId(),
      occurredAt,
      enrollmentId,
      deviceId,
      source: 'commands' as const,
      correlationId: event.correlationId,
      causationId: event.eventId,
    });
    if (decision.kind === 'reject') {
      const { commandUuid, enrollmentIds } = event.data;
      return [encodeEvent(createEvent('CommandRejected', { commandUuid, reason: decision.reason, detail: decision.detail, enrollmentIds }, meta(null, null)))];
    }
    const { commandUuid, requestType, noPush } = event.data;
    // Keyed by device: the entry sits in the partition the device's reports use.
    return decision.targets.map((id) =>
      encodeEvent(createEvent('CommandQueued', { commandUuid, requestType, noPush }, meta(id, devices.get(id) as string))),
    );
  }

  private async appendInChunks(records: LogRecord[]): Promise<LogPosition[]> {
    const size = this.options.chunk ?? 5_000;
    const chunks: LogRecord[][] = [];
    for (let i = 0; i < records.length; i += size) chunks.push(records.slice(i, i + size));
    const appended = await Promise.all(chunks.map((chunk) => this.deps.appender.append(chunk)));
    return appended.flat();
  }

  /**
   * Deliverable and visible to the next decision: the projection applied
   * every CommandQueued. Waited for in short slices, so a stopping service
   * (whose projection may stop first) gives the batch back instead of waiting
   * out the whole timeout; the decision is in the log and stands.
   */
  private async waitApplied(positions: readonly LogPosition[], ctx?: BatchContext): Promise<void> {
    const last = new Map<string, LogPosition>();
    for (const p of positions) {
      const key = `${p.topic}/${p.partition}`;
      const seen = last.get(key);
      if (!seen || BigInt(p.offset) > BigInt(seen.offset)) last.set(key, p);
    }
    const deadline = Date.now() + this.options.timeoutMs;
    for (const p of last.values()) {
      for (;;) {
        try {
          await this.deps.barrier.waitFor(this.options.schema, QUEUE_PROJECTION, p, Math.max(1, Math.min(1_000, deadline - Date.now())));
          break;
        } catch (error) {
          if (!(error instanceof CatchUpTimeoutError) || Date.now() >= deadline) throw error;
          if (ctx && !ctx.isRunning()) throw new Error('enqueue: stopping while the projection applies a decision; it is delivered again');
        }
      }
    }
  }
}
