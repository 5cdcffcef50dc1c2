import type { Pool } from 'pg';
import type { BatchContext, ConsumedBatch, ConsumedRecord, EventLog, LogConsumer } from '@espalier/contracts/event-log';
import { decodeEvent, type EspalierEvent } from '@espalier/contracts/events';
import { advanceCheckpoint, lockCheckpoint, readCheckpoint, readCheckpoints, storeCheckpoint } from './checkpoints';
import type { CheckpointBarrier } from './checkpoint-barrier';
import { deadLetterRecord } from './dead-letter';
import { consumerGroupOf, type PositionedEvent, type Projection } from './projection';
import { ident, isTransientDbError, withTransaction, type Tx } from './sql';

export interface RunnerLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ProjectionRunnerDeps<E> {
  readonly pool: Pool;
  readonly log: EventLog;
  readonly logger: RunnerLogger;
  readonly barrier?: CheckpointBarrier;
  readonly decode?: (record: { value: Buffer | null; headers: Readonly<Record<string, string>> }) => E;
  readonly clock?: () => Date;
}

export interface ProjectionRunnerOptions {
  /** Apply attempts before an event goes to `<topic>.dlq`. */
  readonly maxAttempts: number;
  /** Schema to write; defaults to the projection's own (replay passes a shadow schema). */
  readonly schema?: string;
  readonly groupId?: string;
  /** Replay leaves dead-lettering to the live runner: it skips poison events and counts them. */
  readonly deadLetter?: boolean;
  /**
   * Replay stops at these offsets ("topic/partition" → last offset to apply).
   * The replay may raise them while the runner runs (it follows the live
   * projection's checkpoints): the runner reads the map on every batch.
   */
  readonly until?: ReadonlyMap<string, bigint>;
  /**
   * With `until`: records past it are not dropped but redelivered later
   * (the partition is rewound to the first of them after a short pause),
   * so raising `until` lets the runner go on. Without it they are skipped.
   */
  readonly holdBeyondUntil?: boolean;
}

/** How long a held partition waits before asking again for records past `until`. */
const HOLD_PAUSE_MS = 50;

export interface RunnerStats {
  applied: number;
  alreadyApplied: number;
  deadLettered: number;
  skippedPoison: number;
}

interface Candidate<E> {
  readonly record: ConsumedRecord;
  readonly event?: E;
  readonly decodeError?: unknown;
  /** Of a type the projection does not act on: only the checkpoint moves past it. */
  readonly skipped?: boolean;
}

/**
 * Feeds one projection from the log: each partition batch is applied in one
 * transaction together with its checkpoint, so a crash anywhere applies the
 * batch entirely or not at all, and a re-delivered batch is skipped by offset.
 * An event that keeps failing (or cannot be decoded) goes to the dead-letter
 * topic and the partition moves on; database outages are retried, never
 * dead-lettered.
 */
export class ProjectionRunner<E = EspalierEvent> {
  readonly stats: RunnerStats = { applied: 0, alreadyApplied: 0, deadLettered: 0, skippedPoison: 0 };
  private consumer: LogConsumer | null = null;
  private readonly rewoundTo = new Map<string, bigint>();
  private readonly nextExpected = new Map<string, bigint>();
  private readonly schema: string;
  private readonly decode: NonNullable<ProjectionRunnerDeps<E>['decode']>;
  private readonly clock: () => Date;

  constructor(
    private readonly projection: Projection<E>,
    private readonly deps: ProjectionRunnerDeps<E>,
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.schema = options.schema ?? projection.schema;
    this.decode = deps.decode ?? ((r) => decodeEvent(r) as E);
    this.clock = deps.clock ?? (() => new Date());
  }

  get groupId(): string {
    return this.options.groupId ?? consumerGroupOf(this.projection);
  }

  async start(): Promise<void> {
    this.consumer = this.deps.log.subscribe({
      groupId: this.groupId,
      topics: this.projection.topics,
      fromBeginning: true,
      handleBatch: (batch, ctx) => this.handleBatch(batch, ctx),
      startOffsets: (topic, partitions) => this.startOffsets(topic, partitions),
    });
    await this.consumer.start();
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = null;
    await consumer?.stop();
  }

  /** One partition batch; public so tests can re-deliver a batch by hand. */
  async handleBatch(batch: ConsumedBatch, ctx?: BatchContext): Promise<void> {
    const until = this.options.until?.get(`${batch.topic}/${batch.partition}`);
    const records = batch.records.filter((r) => (this.options.until ? until !== undefined && BigInt(r.offset) <= until : true));
    const held = this.options.holdBeyondUntil && ctx?.seek ? batch.records[records.length] : undefined;
    await this.applyBatch(batch, records, ctx);
    if (held === undefined || !ctx?.seek) return;
    await new Promise((resolve) => setTimeout(resolve, HOLD_PAUSE_MS));
    ctx.seek(held.offset);
  }

  private async applyBatch(batch: ConsumedBatch, records: readonly ConsumedRecord[], ctx?: BatchContext): Promise<void> {
    if (records.length === 0) return;
    if (await this.rewoundToCheckpoint(batch, records[0], ctx)) return;
    const candidates = records.map((record) => this.decodeRecord(record));
    const last = BigInt(records[records.length - 1].offset);
    const fastPath = candidates.every((c) => c.skipped || c.event !== undefined);
    if (fastPath) {
      try {
        await this.inTransaction(batch, last, candidates, (tx, fresh) => this.applyAll(tx, fresh));
        return this.applied(batch, last);
      } catch (error) {
        if (isTransientDbError(error) || !(await this.databaseAlive())) throw error;
        this.deps.logger.warn({ err: error, projection: this.projection.name, topic: batch.topic, partition: batch.partition }, 'projecting: batch failed, applying event by event');
      }
    }
    await this.inTransaction(batch, last, candidates, (tx, fresh) => this.applyOneByOne(tx, fresh));
    this.applied(batch, last);
  }

  /** The next offset to apply per partition, from the checkpoints this projection committed with its rows. */
  private async startOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, string>> {
    const stored = new Map((await readCheckpoints(this.deps.pool, this.schema, this.projection.name)).filter((c) => c.topic === topic).map((c) => [c.partition, BigInt(c.offset)]));
    return new Map(partitions.map((p) => [p, ((stored.get(p) ?? -1n) + 1n).toString()]));
  }

  /**
   * The database checkpoint is the truth, not the group's committed offset:
   * if the tables are behind the group (the schema was restored from a
   * backup, or dropped and migrated again), rewind to the first event not
   * applied instead of skipping events. Once per gap: if the log no longer
   * has those offsets, applying from where it starts is all that can be done.
   */
  private async rewoundToCheckpoint(batch: ConsumedBatch, first: ConsumedRecord, ctx?: BatchContext): Promise<boolean> {
    if (!ctx?.seek || this.options.until) return false;
    const tp = `${batch.topic}/${batch.partition}`;
    // Batches that follow the one this runner applied need no look: only the first after a (re)assignment.
    if (this.nextExpected.get(tp) === BigInt(first.offset)) return false;
    const checkpoint = await readCheckpoint(this.deps.pool, this.schema, this.projection.name, batch.topic, batch.partition);
    const next = checkpoint + 1n;
    if (BigInt(first.offset) <= next || this.rewoundTo.get(tp) === next) return false;
    this.rewoundTo.set(tp, next);
    this.deps.logger.warn(
      { projection: this.projection.name, topic: batch.topic, partition: batch.partition, offset: first.offset, checkpoint: checkpoint.toString() },
      'projecting: tables are behind the consumer group, rewinding to the checkpoint',
    );
    ctx.seek(next.toString());
    return true;
  }

  private decodeRecord(record: ConsumedRecord): Candidate<E> {
    const types = this.projection.eventTypes;
    const type = record.headers['espalier-type'];
    if (types && type !== undefined && !types.has(type)) return { record, skipped: true };
    try {
      return { record, event: this.decode({ value: record.value, headers: record.headers }) };
    } catch (decodeError) {
      return { record, decodeError };
    }
  }

  private async inTransaction(
    batch: ConsumedBatch,
    last: bigint,
    all: Candidate<E>[],
    work: (tx: Tx, fresh: Candidate<E>[]) => Promise<void>,
  ): Promise<void> {
    await withTransaction(this.deps.pool, async (tx) => {
      // Moved on at once (one round trip, not two): it commits with the rows or not at all.
      const advanced = await advanceCheckpoint(tx, this.schema, this.projection.name, batch.topic, batch.partition, last);
      const checkpoint = advanced ?? (await lockCheckpoint(tx, this.schema, this.projection.name, batch.topic, batch.partition));
      const fresh = all.filter((c) => BigInt(c.record.offset) > checkpoint);
      this.stats.alreadyApplied += all.filter((c) => BigInt(c.record.offset) <= checkpoint).length;
      if (fresh.length === 0) return;
      await work(tx, fresh);
      if (advanced === null) await storeCheckpoint(tx, this.schema, this.projection.name, batch.topic, batch.partition, last);
    });
  }

  private async applyAll(tx: Tx, fresh: Candidate<E>[]): Promise<void> {
    const relevant = fresh.filter((c) => !c.skipped);
    if (relevant.length > 0) await this.projection.apply({ tx, schema: ident(this.schema) }, relevant.map(positioned));
    this.stats.applied += relevant.length;
  }

  /** Slow path: each event under a savepoint, so one bad event cannot hold the partition. */
  private async applyOneByOne(tx: Tx, fresh: Candidate<E>[]): Promise<void> {
    for (const candidate of fresh) {
      if (candidate.skipped) continue;
      if (candidate.event === undefined) {
        await this.poison(candidate, candidate.decodeError, 1);
        continue;
      }
      let attempt = 0;
      for (;;) {
        attempt += 1;
        await tx.query('SAVEPOINT espalier_event');
        try {
          await this.projection.apply({ tx, schema: ident(this.schema) }, [positioned(candidate)]);
          await tx.query('RELEASE SAVEPOINT espalier_event');
          this.stats.applied += 1;
          break;
        } catch (error) {
          if (isTransientDbError(error)) throw error;
          await tx.query('ROLLBACK TO SAVEPOINT espalier_event');
          if (attempt >= this.options.maxAttempts) {
            await this.poison(candidate, error, attempt);
            break;
          }
        }
      }
    }
  }

  private async poison(candidate: Candidate<E>, error: unknown, attempts: number): Promise<void> {
    const { record } = candidate;
    const where = { projection: this.projection.name, topic: record.topic, partition: record.partition, offset: record.offset };
    if (this.options.deadLetter === false) {
      this.stats.skippedPoison += 1;
      this.deps.logger.warn({ ...where, err: error }, 'projecting: skipping poison event');
      return;
    }
    // Appended before the checkpoint commits: a crash in between re-sends it
    // (a duplicate in the DLQ), never loses it.
    await this.deps.log.appender.append([deadLetterRecord(record, { error, attempts, consumer: this.groupId, at: this.clock() })]);
    this.stats.deadLettered += 1;
    this.deps.logger.error({ ...where, err: error, attempts }, 'projecting: event sent to the dead-letter topic');
  }

  private applied(batch: ConsumedBatch, last: bigint): void {
    this.nextExpected.set(`${batch.topic}/${batch.partition}`, last + 1n);
    this.deps.barrier?.notifyApplied(this.schema, this.projection.name, batch.topic, batch.partition, last);
  }

  private async databaseAlive(): Promise<boolean> {
    try {
      await this.deps.pool.query('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }
}

function positioned<E>(c: Candidate<E>): PositionedEvent<E> {
  const { topic, partition, offset } = c.record;
  return { event: c.event as E, position: { topic, partition, offset } };
}
