import { EventEmitter } from 'node:events';
import type { Pool } from 'pg';
import type { LogPosition } from '@espalier/contracts/event-log';
import { readCheckpoint } from './checkpoints';

export class CatchUpTimeoutError extends Error {
  override readonly name = 'CatchUpTimeoutError';
}

/** A channel whose runner is in this process is woken by it; the database is asked only now and then. */
const LOCAL_RECHECK_MS = 250;
/** How recently a local runner must have reported a channel to count as feeding it. */
const LOCAL_WINDOW_MS = 2_000;

/**
 * Read-your-writes: a service waits here until its projection has applied an
 * offset (its own write, or a log end it fenced on). Runners in this process
 * wake waiters at once; a partition applied by another replica is seen by
 * polling its checkpoint row — one query per partition at a time, shared by
 * every waiter, and none while a local runner is feeding the partition.
 */
export class CheckpointBarrier {
  private readonly applied = new EventEmitter();
  /** Highest offset known applied per channel: a wait that is already satisfied costs no query. */
  private readonly known = new Map<string, bigint>();
  private readonly lastLocal = new Map<string, number>();
  private readonly reading = new Map<string, Promise<void>>();

  constructor(
    private readonly pool: Pool,
    private readonly pollMs = 25,
  ) {
    this.applied.setMaxListeners(0);
  }

  notifyApplied(schema: string, projection: string, topic: string, partition: number, offset: bigint): void {
    const channel = `${schema}/${projection}/${topic}/${partition}`;
    this.lastLocal.set(channel, Date.now());
    this.remember(channel, offset);
    this.applied.emit(channel, offset);
  }

  async waitFor(schema: string, projection: string, position: LogPosition, timeoutMs: number): Promise<void> {
    const target = BigInt(position.offset);
    const channel = `${schema}/${projection}/${position.topic}/${position.partition}`;
    if (this.isApplied(channel, target)) return;
    let wake: () => void = () => undefined;
    const woken = new Promise<void>((resolve) => (wake = resolve));
    const onApplied = (offset: bigint) => {
      if (offset >= target) wake();
    };
    this.applied.on(channel, onApplied);
    const deadline = Date.now() + timeoutMs;
    try {
      for (;;) {
        const local = this.fedLocally(channel);
        if (!local) await this.refresh(channel, () => readCheckpoint(this.pool, schema, projection, position.topic, position.partition));
        if (this.isApplied(channel, target)) return;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new CatchUpTimeoutError(
            `waiting for projection ${projection} to apply ${position.topic}/${position.partition}@${position.offset}: timed out after ${timeoutMs} ms`,
          );
        }
        await Promise.race([woken, sleep(Math.min(local ? LOCAL_RECHECK_MS : this.pollMs, left))]);
        if (local && !this.isApplied(channel, target)) {
          await this.refresh(channel, () => readCheckpoint(this.pool, schema, projection, position.topic, position.partition));
        }
      }
    } finally {
      this.applied.off(channel, onApplied);
    }
  }

  private isApplied(channel: string, target: bigint): boolean {
    return (this.known.get(channel) ?? -1n) >= target;
  }

  private fedLocally(channel: string): boolean {
    return Date.now() - (this.lastLocal.get(channel) ?? 0) < LOCAL_WINDOW_MS;
  }

  /** One checkpoint query per channel in flight, whatever the number of waiters. */
  private refresh(channel: string, read: () => Promise<bigint>): Promise<void> {
    let pending = this.reading.get(channel);
    if (!pending) {
      pending = read()
        .then((offset) => this.remember(channel, offset))
        .finally(() => this.reading.delete(channel));
      this.reading.set(channel, pending);
    }
    return pending;
  }

  /** Checkpoints only move forward (a replay writes a shadow schema, never the live checkpoints). */
  private remember(channel: string, offset: bigint): void {
    if (offset > (this.known.get(channel) ?? -1n)) this.known.set(channel, offset);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
