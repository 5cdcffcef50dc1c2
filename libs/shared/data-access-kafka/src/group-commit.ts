import type { LogPosition, LogRecord } from '@espalier/contracts/event-log';

type SendFn = (records: readonly LogRecord[]) => Promise<LogPosition[]>;

interface Waiter {
  readonly records: readonly LogRecord[];
  resolve(positions: LogPosition[]): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions {
  /** Upper bound on one produce request, below the broker's default 1 MiB batch limit. */
  readonly maxBatchBytes: number;
  readonly maxBatchRecords: number;
}

const defaults: GroupCommitOptions = { maxBatchBytes: 768 * 1024, maxBatchRecords: 5_000 };

/**
 * Group commit: appends that arrive while a produce request is in flight wait
 * and go out together in the next one. kafkajs' idempotent producer allows one
 * request in flight, so one awaited send per HTTP request would cap a service
 * at a few hundred requests/s; with this, each caller still waits for its own
 * records' acknowledgement, but the requests share round trips.
 */
export class GroupCommit {
  private readonly queue: Waiter[] = [];
  private draining = false;
  private readonly options: GroupCommitOptions;

  constructor(
    private readonly send: SendFn,
    options: Partial<GroupCommitOptions> = {},
  ) {
    this.options = { ...defaults, ...options };
  }

  append(records: readonly LogRecord[]): Promise<LogPosition[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.draining) {
        // Start on the next turn of the event loop so that appends made in
        // this turn (e.g. by concurrent requests) share the first request.
        this.draining = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /** Resolves once everything queued so far was sent (or failed). */
  async flush(): Promise<void> {
    while (this.draining || this.queue.length > 0) {
      await new Promise((r) => setImmediate(r));
    }
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.takeGroup();
        const records = group.flatMap((w) => w.records);
        try {
          const positions = await this.send(records);
          let at = 0;
          for (const waiter of group) {
            waiter.resolve(positions.slice(at, at + waiter.records.length));
            at += waiter.records.length;
          }
        } catch (error) {
          for (const waiter of group) waiter.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Takes whole waiters (never splits one caller's records) up to the size bounds. */
  private takeGroup(): Waiter[] {
    const group: Waiter[] = [];
    let bytes = 0;
    let count = 0;
    while (this.queue.length > 0) {
      const next = this.queue[0];
      const size = next.records.reduce((n, r) => n + r.value.length + r.key.length, 0);
      const fits = bytes + size <= this.options.maxBatchBytes && count + next.records.length <= this.options.maxBatchRecords;
      if (group.length > 0 && !fits) break;
      group.push(this.queue.shift() as Waiter);
      bytes += size;
      count += next.records.length;
    }
    return group;
  }
}
