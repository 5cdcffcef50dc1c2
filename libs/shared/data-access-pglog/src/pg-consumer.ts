import type { Pool } from 'pg';
import type { LogConsumer, LogSubscription } from '@espalier/contracts/event-log';
import { commitOffset, readCommitted, readEnds, type FetchLimits } from './log-queries';
import type { LogTail } from './log-tail';
import { MemberSession } from './member-session';
import { PartitionWorker, type WorkerLogger } from './partition-worker';
import { Semaphore } from './semaphore';
import type { TopicCatalog } from './topic-catalog';

export interface PgConsumerOptions extends FetchLimits {
  /** Partitions handled at once; batches of one partition are always sequential. */
  readonly partitionsConsumedConcurrently: number;
  /** How often a member re-checks its share of partitions: bounds how long a dead member's partitions wait. */
  readonly ownershipCheckMs: number;
}

export interface PgConsumerDeps {
  readonly pool: Pool;
  readonly connectionString: string;
  readonly schema: string;
  readonly catalog: TopicCatalog;
  readonly tail: LogTail;
  readonly logger: WorkerLogger;
  /** Partitions owned by members in this process ("group\0topic/partition"), for sessions that share locks (one-session servers). */
  readonly localOwners: Set<string>;
}

/**
 * One member of a consumer group. Members split the group's partitions
 * evenly: each takes free partitions up to its share (all partitions over the
 * live members, rounded up) and gives up the ones above it, at start and
 * every ownershipCheckMs. Giving one up finishes its batch in flight and
 * commits before the lock is released, so the next owner starts where this
 * one committed.
 */
export class PgLogConsumer implements LogConsumer {
  private readonly session: MemberSession;
  private readonly workers = new Map<string, PartitionWorker>();
  private readonly gate: Semaphore;
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly subscription: LogSubscription,
    private readonly deps: PgConsumerDeps,
    private readonly options: PgConsumerOptions,
  ) {
    this.session = new MemberSession(deps.connectionString, deps.schema, subscription.groupId);
    this.gate = new Semaphore(options.partitionsConsumedConcurrently);
  }

  async start(): Promise<void> {
    for (const topic of this.subscription.topics) await this.deps.catalog.partitionsOf(topic);
    await this.session.open();
    try {
      await this.check();
    } catch (error) {
      await this.dropAll();
      await this.session.close();
      throw error;
    }
    this.schedule();
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.checking;
    await this.dropAll();
    await this.session.close();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.checking = this.check().catch((error) => this.deps.logger.warn({ group: this.subscription.groupId, err: error }, 'consuming: ownership check failed'));
      void this.checking.then(() => this.schedule());
    }, this.options.ownershipCheckMs);
  }

  /** One ownership round: rejoin after a lost session, then move towards this member's share. */
  private async check(): Promise<void> {
    if (this.stopped) return;
    if (!this.session.alive) {
      this.deps.logger.warn({ group: this.subscription.groupId }, 'consuming: member session lost, rejoining the group');
      await this.dropAll();
      await this.session.close();
      await this.session.open();
    }
    const all = await this.allPartitions();
    const share = Math.ceil(all.length / (await this.session.members()));
    const owned = all.filter((p) => this.workers.has(p.tp));
    for (const p of owned.slice(share)) await this.giveUp(p.tp);
    if (owned.length >= share) return;
    const taken: { topic: string; partition: number; tp: string }[] = [];
    // Start looking at a member-specific place, so joining members do not all race for the same partitions.
    const from = this.session.memberId % all.length;
    try {
      for (const p of [...all.slice(from), ...all.slice(0, from)]) {
        if (owned.length + taken.length >= share || this.stopped) break;
        const local = `${this.subscription.groupId}\0${p.tp}`;
        if (this.workers.has(p.tp) || this.deps.localOwners.has(local)) continue;
        if (!(await this.session.tryOwn(p.topic, p.partition))) continue;
        this.deps.localOwners.add(local);
        taken.push(p);
      }
    } finally {
      // Also when a later lock attempt failed: a partition locked is a partition consumed (or released).
      await this.startWorkers(taken);
    }
  }

  private async allPartitions(): Promise<{ topic: string; partition: number; tp: string }[]> {
    const out: { topic: string; partition: number; tp: string }[] = [];
    for (const topic of this.subscription.topics) {
      const count = await this.deps.catalog.partitionsOf(topic);
      for (let partition = 0; partition < count; partition++) out.push({ topic, partition, tp: `${topic}/${partition}` });
    }
    return out;
  }

  private async startWorkers(taken: readonly { topic: string; partition: number; tp: string }[]): Promise<void> {
    for (const topic of new Set(taken.map((t) => t.topic))) {
      const partitions = taken.filter((t) => t.topic === topic).map((t) => t.partition);
      let starts: Map<number, bigint>;
      try {
        starts = await this.startPositions(topic, partitions);
      } catch (error) {
        for (const p of partitions) await this.release(topic, p);
        throw error;
      }
      for (const partition of partitions) {
        const worker = new PartitionWorker(topic, partition, starts.get(partition) as bigint, this.subscription, {
          schema: this.deps.schema,
          reader: this.deps.pool,
          committer: () => this.session,
          tail: this.deps.tail,
          gate: this.gate,
          limits: this.options,
          logger: this.deps.logger,
          sessionAlive: () => this.session.alive,
          onSessionLost: (error) => this.session.markLost(error),
        });
        this.workers.set(`${topic}/${partition}`, worker);
      }
    }
  }

  /** The subscriber's own positions first, then the group's commits, then the beginning or the end. */
  private async startPositions(topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
    const starts = new Map<number, bigint>();
    if (this.subscription.startOffsets) {
      try {
        for (const [p, offset] of await this.subscription.startOffsets(topic, partitions)) starts.set(p, BigInt(offset));
      } catch (error) {
        this.deps.logger.warn({ group: this.subscription.groupId, topic, err: error }, 'consuming: could not read the start offsets after an assignment');
      }
    }
    let missing = partitions.filter((p) => !starts.has(p));
    if (missing.length === 0) return starts;
    const committed = await readCommitted(this.deps.pool, this.deps.schema, this.subscription.groupId, topic, missing);
    for (const [p, offset] of committed) starts.set(p, offset);
    missing = missing.filter((p) => !starts.has(p));
    if (missing.length === 0) return starts;
    const ends = this.subscription.fromBeginning ? new Map<number, bigint>() : await readEnds(this.deps.pool, this.deps.schema, topic);
    for (const p of missing) {
      const start = ends.get(p) ?? 0n;
      starts.set(p, start);
      // "The end" is committed at once: it is where this group started, also for the next owner after a hand-over.
      if (!this.subscription.fromBeginning) await commitOffset(this.session, this.deps.schema, this.subscription.groupId, topic, p, start);
    }
    return starts;
  }

  private async giveUp(tp: string): Promise<void> {
    const worker = this.workers.get(tp);
    if (!worker) return;
    await worker.stop();
    this.workers.delete(tp);
    await this.release(worker.topic, worker.partition);
  }

  private async release(topic: string, partition: number): Promise<void> {
    this.deps.localOwners.delete(`${this.subscription.groupId}\0${topic}/${partition}`);
    if (this.session.alive) await this.session.release(topic, partition);
  }

  /** Stops every worker (each finishes and commits its batch); the locks go with the session or are released. */
  private async dropAll(): Promise<void> {
    const workers = [...this.workers.values()];
    this.workers.clear();
    await Promise.all(workers.map((w) => w.stop()));
    for (const w of workers) {
      try {
        await this.release(w.topic, w.partition);
      } catch {
        // The session is gone: so are its locks.
      }
    }
  }
}
