import type { EventLog, PartitionEnd } from '@espalier/contracts/event-log';
import type { CheckpointBarrier } from './checkpoint-barrier';

export interface FenceTarget {
  readonly schema: string;
  readonly projection: string;
  readonly topic: string;
  /** Only the partition this key goes to; all partitions when absent. */
  readonly key?: string;
}

/**
 * Linearizable reads from a projection: wait until it has applied everything
 * appended to the log before this call (the partition's end offset read
 * *after* the call started), so a request sees every event that happened
 * before it — whichever service or replica appended it. This is how a device
 * whose TokenUpdate got 200 is authorised on ServerURL at once, and how a
 * command is deliverable the moment its CommandQueued is in the log.
 *
 * End-offset lookups are shared: callers arriving while one is in flight
 * wait for the next one, so there is at most one in flight and one queued
 * per topic, however many requests there are.
 */
export class LogFence {
  private readonly inFlight = new Map<string, Promise<PartitionEnd[]>>();
  private readonly queued = new Map<string, Promise<PartitionEnd[]>>();

  constructor(
    private readonly log: Pick<EventLog, 'endOffsets' | 'partitionFor'>,
    private readonly barrier: CheckpointBarrier,
  ) {}

  async catchUp(targets: readonly FenceTarget[], timeoutMs: number): Promise<void> {
    await Promise.all(targets.map((target) => this.catchUpOne(target, timeoutMs)));
  }

  /**
   * A projection's fence over every partition of its topics: what a service
   * needs before a decision that spans devices (a push fan-out, an API read).
   */
  forProjection(schema: string, projection: string, topics: readonly string[]): { catchUp(timeoutMs: number): Promise<void> } {
    const targets = topics.map((topic) => ({ schema, projection, topic }));
    return { catchUp: (timeoutMs) => this.catchUp(targets, timeoutMs) };
  }

  private async catchUpOne(target: FenceTarget, timeoutMs: number): Promise<void> {
    const [ends, partition] = await Promise.all([
      this.endsAfterNow(target.topic),
      target.key === undefined ? Promise.resolve(undefined) : this.log.partitionFor(target.topic, target.key),
    ]);
    const relevant = ends.filter((end) => (partition === undefined || end.partition === partition) && BigInt(end.high) > 0n);
    await Promise.all(
      relevant.map((end) =>
        this.barrier.waitFor(target.schema, target.projection, { topic: target.topic, partition: end.partition, offset: (BigInt(end.high) - 1n).toString() }, timeoutMs),
      ),
    );
  }

  /** End offsets from a lookup that started after this call. */
  private endsAfterNow(topic: string): Promise<PartitionEnd[]> {
    const current = this.inFlight.get(topic);
    if (current === undefined) return this.start(topic);
    let next = this.queued.get(topic);
    if (next === undefined) {
      next = current
        .catch(() => undefined)
        .then(() => {
          this.queued.delete(topic);
          return this.start(topic);
        });
      this.queued.set(topic, next);
    }
    return next;
  }

  private start(topic: string): Promise<PartitionEnd[]> {
    const lookup = this.log.endOffsets(topic).finally(() => {
      if (this.inFlight.get(topic) === lookup) this.inFlight.delete(topic);
    });
    this.inFlight.set(topic, lookup);
    return lookup;
  }
}
