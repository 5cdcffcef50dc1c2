import type { LogSubscription } from '@espalier/contracts/event-log';
import type { FetchLimits, Queryable } from './log-queries';
import { commitOffset, fetchRecords } from './log-queries';
import type { LogTail } from './log-tail';
import type { Semaphore } from './semaphore';

export interface WorkerLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WorkerDeps {
  readonly schema: string;
  /** Reads records (the log's pool). */
  readonly reader: Queryable;
  /** Commits offsets: the member's own session, so a member that lost its session (and its partitions) cannot commit. */
  readonly committer: () => Queryable;
  readonly tail: LogTail;
  readonly gate: Semaphore;
  readonly limits: FetchLimits;
  readonly logger: WorkerLogger;
  /** False once the member's session is known lost: its partitions may already be another member's. */
  readonly sessionAlive: () => boolean;
  /** The member's session failed under this worker (a commit could not be made). */
  readonly onSessionLost: (error: unknown) => void;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5_000;

/**
 * Consumes one owned partition: fetch from the position, hand the batch
 * over, commit the next offset once the handler resolved, go on. A throw
 * keeps the position (the batch comes again after a pause that grows with
 * repeated failures); ctx.seek moves it without committing. stop() lets the
 * batch in flight finish and commit.
 */
export class PartitionWorker {
  private readonly abort = new AbortController();
  private readonly done: Promise<void>;

  constructor(
    readonly topic: string,
    readonly partition: number,
    private position: bigint,
    private readonly subscription: LogSubscription,
    private readonly deps: WorkerDeps,
  ) {
    this.done = this.run().catch((error) => this.deps.logger.error({ group: subscription.groupId, topic, partition, err: error }, 'consuming: partition worker failed'));
  }

  get running(): boolean {
    return !this.abort.signal.aborted && this.deps.sessionAlive();
  }

  /** Resolves once the batch in flight (if any) was handled and committed. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const release = await this.deps.gate.acquire();
      let outcome: 'handled' | 'empty' | 'failed';
      try {
        outcome = this.running ? await this.step() : 'handled';
      } finally {
        release();
      }
      if (outcome === 'empty' && this.deps.tail.high(this.topic, this.partition) > this.position) {
        // The end seen earlier is past records that are not there (e.g. a restored database): ask again shortly, do not spin.
        await this.pause(RETRY_MIN_MS);
      } else if (outcome === 'empty') {
        await this.deps.tail.waitFor(this.topic, this.partition, this.position, this.abort.signal);
      }
      if (outcome === 'failed') await this.pause(Math.min(RETRY_MAX_MS, RETRY_MIN_MS * 2 ** failures++));
      if (outcome === 'handled') failures = 0;
    }
  }

  private async step(): Promise<'handled' | 'empty' | 'failed'> {
    const { groupId } = this.subscription;
    const where = { group: groupId, topic: this.topic, partition: this.partition, offset: this.position.toString() };
    let records;
    try {
      records = await fetchRecords(this.deps.reader, this.deps.schema, this.topic, this.partition, this.position, this.deps.limits);
    } catch (error) {
      this.deps.logger.warn({ ...where, err: error }, 'consuming: could not read the log');
      return 'failed';
    }
    if (records.length === 0) return 'empty';
    const last = BigInt(records[records.length - 1].offset);
    let seekTo: bigint | null = null;
    try {
      await this.subscription.handleBatch(
        { topic: this.topic, partition: this.partition, records },
        {
          heartbeat: async () => undefined,
          isRunning: () => this.running,
          seek: (offset) => void (seekTo = BigInt(offset)),
        },
      );
    } catch (error) {
      if (this.running) this.deps.logger.error({ ...where, lastOffset: last.toString(), err: error }, 'consuming: batch not applied, it will be delivered again');
      if (seekTo !== null) this.position = seekTo;
      return 'failed';
    }
    if (seekTo !== null) {
      this.position = seekTo;
      return 'handled';
    }
    try {
      await commitOffset(this.deps.committer(), this.deps.schema, groupId, this.topic, this.partition, last + 1n);
    } catch (error) {
      // The batch was applied but not committed: whoever owns the partition next gets it again (at-least-once).
      this.deps.logger.warn({ ...where, err: error }, 'consuming: offset commit failed; giving the partition up');
      this.abort.abort();
      this.deps.onSessionLost(error);
      return 'failed';
    }
    this.position = last + 1n;
    return 'handled';
  }

  private pause(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.abort.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
