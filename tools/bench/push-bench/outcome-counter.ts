import type { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { TOPICS } from '@espalier/contracts/events';
import { uniqueName } from '@espalier/shared/util-testing';

/**
 * Counts PushSent / PushFailed caused by the bench's requests, reading
 * mdm.push from the offsets it had when the counter started. Parses only
 * outcome records (by header) and only the fields it needs.
 */
export class OutcomeCounter {
  sent = 0;
  failed = 0;
  readonly reasons = new Map<string, number>();
  private stopConsumer: (() => Promise<void>) | null = null;

  constructor(
    private readonly log: KafkaEventLog,
    private readonly causes: ReadonlySet<string>,
  ) {}

  get total(): number {
    return this.sent + this.failed;
  }

  async start(): Promise<void> {
    const from = new Map((await this.log.endOffsets(TOPICS.push)).map((e) => [e.partition, BigInt(e.high)]));
    const consumer = this.log.subscribe({
      groupId: uniqueName('push-bench-outcomes'),
      topics: [TOPICS.push],
      fromBeginning: true,
      handleBatch: async (batch) => {
        const start = from.get(batch.partition) ?? 0n;
        for (const r of batch.records) {
          const type = r.headers['espalier-type'];
          if ((type !== 'PushSent' && type !== 'PushFailed') || BigInt(r.offset) < start) continue;
          const event = JSON.parse((r.value as Buffer).toString('utf8')) as { causationId: string; data: { reason?: string } };
          if (!this.causes.has(event.causationId)) continue;
          if (type === 'PushSent') this.sent++;
          else {
            this.failed++;
            const reason = event.data.reason ?? '';
            this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
          }
        }
      },
    });
    await consumer.start();
    this.stopConsumer = () => consumer.stop();
  }

  stop(): Promise<void> {
    return this.stopConsumer?.() ?? Promise.resolve();
  }
}
