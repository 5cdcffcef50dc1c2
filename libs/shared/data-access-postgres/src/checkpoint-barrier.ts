import { EventEmitter } from 'node:events';
import type { Pool } from 'pg';
import type { LogPosition } from '@espalier/contracts/event-log';
import { readCheckpoint } from './checkpoints';

export class CatchUpTimeoutError extends Error {
  override readonly name = 'CatchUpTimeoutError';
}

/**
 * Read-your-writes: after appending an event, a service waits here until its
 * projection has applied that offset. Runners in this process wake waiters at
 * once; a runner in another replica is seen by polling the checkpoint row.
 */
export class CheckpointBarrier {
  private readonly applied = new EventEmitter();
  /** Highest offset known applied per channel: a wait that is already satisfied costs no query. */
  private readonly known = new Map<string, bigint>();

  constructor(
    private readonly pool: Pool,
    private readonly pollMs = 25,
  ) {
    this.applied.setMaxListeners(0);
  }

  notifyApplied(schema: string, projection: string, topic: string, partition: number, offset: bigint): void {
    const channel = `${schema}/${projection}/${topic}/${partition}`;
    this.remember(channel, offset);
    this.applied.emit(channel, offset);
  }

  async waitFor(schema: string, projection: string, position: LogPosition, timeoutMs: number): Promise<void> {
    const target = BigInt(position.offset);
    const channel = `${schema}/${projection}/${position.topic}/${position.partition}`;
    if ((this.known.get(channel) ?? -1n) >= target) return;
    let done = false;
    let onApplied: (offset: bigint) => void = () => undefined;
    const woken = new Promise<void>((resolve) => {
      onApplied = (offset) => {
        if (offset >= target) resolve();
      };
      this.applied.on(channel, onApplied);
    });
    const deadline = Date.now() + timeoutMs;
    try {
      while (!done) {
        const applied = await readCheckpoint(this.pool, schema, projection, position.topic, position.partition);
        this.remember(channel, applied);
        if (applied >= target) return;
        const left = deadline - Date.now();
        if (left <= 0) break;
        done = await Promise.race([woken.then(() => true), sleep(Math.min(this.pollMs, left)).then(() => false)]);
      }
      if (done) return;
      throw new CatchUpTimeoutError(
        `waiting for projection ${projection} to apply ${position.topic}/${position.partition}@${position.offset}: timed out after ${timeoutMs} ms`,
      );
    } finally {
      this.applied.off(channel, onApplied);
    }
  }

  /** Checkpoints only move forward (a replay writes a shadow schema, never the live checkpoints). */
  private remember(channel: string, offset: bigint): void {
    if (offset > (this.known.get(channel) ?? -1n)) this.known.set(channel, offset);
  }


}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
