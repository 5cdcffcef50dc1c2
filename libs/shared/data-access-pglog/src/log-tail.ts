import type { Pool } from 'pg';
import { prepared } from '@espalier/shared/data-access-postgres';
import type { LogPosition } from '@espalier/contracts/event-log';

export interface TailOptions {
  /** First poll interval after a change, and the interval while records keep arriving. */
  readonly minPollMs: number;
  /** The interval grows (doubling) to this while nothing changes. */
  readonly maxPollMs: number;
}

interface Waiter {
  readonly tp: string;
  readonly after: bigint;
  readonly wake: () => void;
}

/**
 * Watches every partition's high watermark for the consumers of this
 * process: one small query per poll however many consumers wait, and none
 * while nobody waits. Appends made by this process wake waiters at once
 * (`advanced`); appends by other processes are seen at the next poll.
 */
export class LogTail {
  private readonly highs = new Map<string, bigint>();
  private readonly waiters = new Set<Waiter>();
  private timer: NodeJS.Timeout | null = null;
  private interval: number;
  private polling = false;
  private closed = false;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly options: TailOptions,
    private readonly onError: (error: unknown) => void,
  ) {
    this.interval = options.minPollMs;
  }

  /** The high watermark last seen (0 when never seen). */
  high(topic: string, partition: number): bigint {
    return this.highs.get(`${topic}/${partition}`) ?? 0n;
  }

  /** Records appended by this process: the partitions' ends moved past them. */
  advanced(positions: readonly LogPosition[]): void {
    let changed = false;
    for (const p of positions) changed = this.raise(`${p.topic}/${p.partition}`, BigInt(p.offset) + 1n) || changed;
    if (changed) this.wakeReady();
  }

  /** Resolves once the partition's end is past `after` (some record at or after it exists), or `signal` aborts. */
  waitFor(topic: string, partition: number, after: bigint, signal: AbortSignal): Promise<void> {
    const tp = `${topic}/${partition}`;
    if ((this.highs.get(tp) ?? 0n) > after || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const waiter: Waiter = {
        tp,
        after,
        wake: () => {
          this.waiters.delete(waiter);
          signal.removeEventListener('abort', waiter.wake);
          resolve();
        },
      };
      signal.addEventListener('abort', waiter.wake, { once: true });
      this.waiters.add(waiter);
      this.interval = this.options.minPollMs;
      this.schedule();
    });
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of [...this.waiters]) w.wake();
  }

  private raise(tp: string, high: bigint): boolean {
    if ((this.highs.get(tp) ?? -1n) >= high) return false;
    this.highs.set(tp, high);
    return true;
  }

  private wakeReady(): void {
    for (const w of [...this.waiters]) if ((this.highs.get(w.tp) ?? 0n) > w.after) w.wake();
  }

  private schedule(): void {
    if (this.timer || this.polling || this.closed || this.waiters.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.poll();
    }, this.interval);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    this.polling = true;
    let changed = false;
    try {
      const topics = [...new Set([...this.waiters].map((w) => w.tp.slice(0, w.tp.lastIndexOf('/'))))];
      const { rows } = await this.pool.query<{ topic: string; partition: number; next_offset: string }>(
        prepared(`SELECT topic, partition, next_offset FROM ${this.schema}.partitions WHERE topic = ANY($1)`),
        [topics],
      );
      for (const r of rows) changed = this.raise(`${r.topic}/${r.partition}`, BigInt(r.next_offset)) || changed;
    } catch (error) {
      this.onError(error);
    } finally {
      this.polling = false;
    }
    this.interval = changed ? this.options.minPollMs : Math.min(this.options.maxPollMs, this.interval * 2);
    if (changed) this.wakeReady();
    this.schedule();
  }
}
