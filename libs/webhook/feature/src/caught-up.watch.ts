import type { EventLog } from '@espalier/contracts/event-log';
import type { OutboxStore } from './outbox.store';
import type { WebhookStore } from './webhook.store';

export interface CaughtUpDeps {
  readonly log: Pick<EventLog, 'endOffsets'>;
  readonly store: Pick<WebhookStore, 'checkpoints'>;
  readonly outbox: Pick<OutboxStore, 'advanceWatermarks'>;
  readonly logger: { warn(obj: object, msg: string): void };
  readonly now: () => number;
  /** After a pass that moved watermarks: webhooks waiting on them may go. */
  readonly onAdvance: () => void;
}

/**
 * A quiet partition's newest record may be old, so ingest alone would leave
 * its watermark behind and hold back the other topic's webhooks. Every
 * `everyMs`, a partition whose checkpoint (in PostgreSQL, so whichever
 * replica owns it) has reached the log end read after time T is known to
 * hold nothing stamped before T that is not ingested: its watermark moves
 * to T. Any replica may do this for every partition.
 */
export class CaughtUpWatch {
  private timer: NodeJS.Timeout | null = null;
  private pass: Promise<void> | null = null;

  constructor(
    private readonly topics: readonly string[],
    private readonly deps: CaughtUpDeps,
    private readonly everyMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), this.everyMs);
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.pass;
  }

  private async tick(): Promise<void> {
    if (this.pass) return;
    this.pass = this.check()
      .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'webhook: reading how far the log is ingested failed, trying again'))
      .finally(() => {
        this.pass = null;
      });
    await this.pass;
  }

  private async check(): Promise<void> {
    let advanced = false;
    for (const topic of this.topics) {
      // T before the log end, the checkpoints after it: what was appended before T is below that end.
      const at = new Date(this.deps.now());
      const ends = await this.deps.log.endOffsets(topic);
      const checkpoints = await this.deps.store.checkpoints(topic);
      const caughtUp = ends.filter((end) => (checkpoints.get(end.partition) ?? -1n) + 1n >= BigInt(end.high)).map((end) => end.partition);
      await this.deps.outbox.advanceWatermarks(topic, caughtUp, at);
      advanced ||= caughtUp.length > 0;
    }
    if (advanced) this.deps.onAdvance();
  }
}
