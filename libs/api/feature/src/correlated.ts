import type { ConsumedBatch } from '@espalier/contracts/event-log';

/**
 * One request waiting for events of its correlation ID: finished early with
 * done(), or when its wait ends. stop() forgets it (cancel, or the end).
 */
export class Waiting {
  readonly finished: Promise<void>;
  private finish: () => void = () => undefined;

  constructor(private readonly forget: () => void) {
    this.finished = new Promise((resolve) => (this.finish = resolve));
  }

  done(): void {
    this.finish();
  }

  stop(): void {
    this.forget();
    this.finish();
  }

  async until(timeoutMs: number): Promise<void> {
    const timer = setTimeout(() => this.stop(), timeoutMs);
    await this.finished;
    clearTimeout(timer);
    this.stop();
  }
}

/**
 * The records of these types in a batch, parsed: only their JSON is read
 * (by header first), and an undecodable one is skipped — the projections
 * dead-letter it, and no request can be waiting for it.
 */
export function* eventsOfTypes<E extends { type: string; correlationId: string }>(batch: ConsumedBatch, types: ReadonlySet<string>): Generator<E> {
  for (const record of batch.records) {
    if (!types.has(record.headers['espalier-type'] ?? '') || !record.value) continue;
    try {
      yield JSON.parse(record.value.toString('utf8')) as E;
    } catch {
      continue;
    }
  }
}
