import { Kafka, logLevel } from 'kafkajs';
import { TOPICS } from '@espalier/contracts/events';
import type { ConsumedBatch, LogPosition } from '@espalier/contracts/event-log';
import type { KafkaEventLog } from '@espalier/shared/data-access-kafka';

/**
 * Counts one submission's CommandQueued events as they reach mdm.command,
 * read by a consumer of its own (so the time includes one fetch's latency).
 * The group's offsets are set to the topic's end before it joins: it reads
 * only what is appended from now on, never the topic's history.
 */
export class QueuedCounter {
  count = 0;
  /** The last CommandQueued of the submission per partition: what the projection must apply. */
  readonly last = new Map<number, LogPosition>();
  private settle: { resolve: (at: number) => void; reject: (error: Error) => void } | null = null;
  private readonly done: Promise<number>;
  private stopConsumer: (() => Promise<void>) | null = null;
  private readonly groupId = `espalier.bench.queued.${Date.now()}`;

  constructor(
    private readonly submissionId: string,
    private readonly expected: number,
  ) {
    this.done = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.done.catch(() => undefined); // a rejection nobody waits for any more must not end the process
  }

  async start(log: KafkaEventLog, brokers: string): Promise<void> {
    const admin = new Kafka({ clientId: 'espalier-commands-bench-admin', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      const ends = await log.endOffsets(TOPICS.command);
      await admin.setOffsets({ groupId: this.groupId, topic: TOPICS.command, partitions: ends.map((e) => ({ partition: e.partition, offset: e.high })) });
    } finally {
      await admin.disconnect();
    }
    const consumer = log.subscribe({ groupId: this.groupId, topics: [TOPICS.command], fromBeginning: false, handleBatch: async (batch) => this.handleBatch(batch) });
    await consumer.start();
    this.stopConsumer = async () => {
      await consumer.stop();
      await log.deleteGroup(this.groupId).catch(() => undefined);
    };
  }

  private handleBatch(batch: ConsumedBatch): void {
    for (const r of batch.records) {
      const type = r.headers['espalier-type'];
      if ((type !== 'CommandQueued' && type !== 'CommandRejected') || !r.value?.includes(this.submissionId)) continue;
      if (type === 'CommandRejected') {
        this.settle?.reject(new Error(`bench: submission ${this.submissionId} was rejected: ${r.value.toString()}`));
        continue;
      }
      this.count += 1;
      this.last.set(r.partition, { topic: r.topic, partition: r.partition, offset: r.offset });
    }
    if (this.count >= this.expected) this.settle?.resolve(performance.now());
  }

  /** When the last expected CommandQueued was read (performance.now()); fails on a rejection or after `timeoutMs`. */
  async wait(timeoutMs: number): Promise<number> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`bench: ${this.count} of ${this.expected} CommandQueued in the log after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.done, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    await this.stopConsumer?.();
  }
}
