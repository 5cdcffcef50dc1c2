import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { ConsumedRecord, LogConsumer, LogSubscription } from '@espalier/contracts/event-log';
import { nextOffset } from '@espalier/contracts/event-log';
import type { KafkaLogger } from './kafka-client';

export interface KafkaConsumerOptions {
  /** Partitions handled at once; batches of one partition are always sequential. */
  readonly partitionsConsumedConcurrently: number;
  /** How long an idle fetch waits; bounds the time stop() waits for a fetch to return. */
  readonly maxWaitTimeInMs: number;
  /** Fetch size per partition: bounds a batch, and so one projection transaction. */
  readonly maxBytesPerPartition: number;
  /** How long the group waits for a silent member (e.g. a killed process) before moving its partitions. */
  readonly sessionTimeout: number;
}

/**
 * Runs one subscription as a kafkajs consumer group member. A batch's offset
 * is resolved only after handleBatch resolved (i.e. after the projection's
 * database transaction committed), and only resolved offsets are committed:
 * on an interval rather than after every batch, because an awaited commit
 * per batch is a broker round trip on the hot path, and the projection's own
 * checkpoint already makes re-delivery harmless. stop() commits whatever is
 * resolved before leaving the group.
 */
export class KafkaLogConsumer implements LogConsumer {
  private consumer: Consumer | null = null;
  /** Next offset to commit per "topic/partition", for the final commit at stop(). */
  private readonly resolved = new Map<string, { topic: string; partition: number; offset: string }>();
  private stopping = false;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly subscription: LogSubscription,
    private readonly logger: KafkaLogger,
    private readonly options: KafkaConsumerOptions,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.subscription.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.options.sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(this.options.sessionTimeout / 10)),
      maxWaitTimeInMs: this.options.maxWaitTimeInMs,
      maxBytesPerPartition: this.options.maxBytesPerPartition,
      retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 10 },
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    consumer.on(consumer.events.GROUP_JOIN, (event) => void this.seekToStart(consumer, event.payload.memberAssignment));
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.subscription.topics], fromBeginning: this.subscription.fromBeginning });
    await consumer.run({
      autoCommit: true,
      autoCommitInterval: 1_000,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    await joined;
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    if (!consumer || this.stopping) return;
    // Let the batches in flight finish (their handlers see isRunning() false
    // and may end early), then commit what they applied while this member
    // still belongs to the group (kafkajs' stop() leaves it, after which a
    // commit is refused), then leave so partitions move on at once.
    this.stopping = true;
    await Promise.allSettled([...this.inFlight]);
    const offsets = [...this.resolved.values()];
    this.resolved.clear();
    if (offsets.length > 0) {
      try {
        await consumer.commitOffsets(offsets);
      } catch (error) {
        // Harmless: the next owner re-reads from the last commit and the projection's checkpoint skips what was applied.
        this.logger.warn({ err: error, group: this.subscription.groupId }, 'consuming: final offset commit failed');
      }
    }
    this.consumer = null;
    await consumer.stop();
    await consumer.disconnect();
  }

  /** After each (re)assignment: start where the subscriber says it is, not where the group committed. */
  private async seekToStart(consumer: Consumer, assignment: Record<string, number[]>): Promise<void> {
    const startOffsets = this.subscription.startOffsets;
    if (!startOffsets) return;
    for (const [topic, partitions] of Object.entries(assignment)) {
      try {
        const offsets = await startOffsets.call(this.subscription, topic, partitions);
        for (const [partition, offset] of offsets) if (this.consumer === consumer) consumer.seek({ topic, partition, offset });
      } catch (error) {
        // Not fatal: a batch that does not follow the subscriber's position is caught when it arrives.
        this.logger.warn({ err: error, group: this.subscription.groupId, topic }, 'consuming: could not read the start offsets after an assignment');
      }
    }
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, isRunning, isStale, resolveOffset, commitOffsetsIfNecessary } = payload;
    // Once stopping, a batch is neither handled nor resolved: whoever owns the partition next gets it.
    if (batch.messages.length === 0 || isStale() || this.stopping) return;
    const records = batch.messages.map((m) => toRecord(batch.topic, batch.partition, m));
    const last = records[records.length - 1].offset;
    let rewound = false;
    try {
      const handled = this.subscription.handleBatch(
        { topic: batch.topic, partition: batch.partition, records },
        {
          heartbeat,
          isRunning: () => !this.stopping && isRunning() && !isStale(),
          seek: (offset) => {
            rewound = true;
            this.consumer?.seek({ topic: batch.topic, partition: batch.partition, offset });
          },
        },
      );
      this.inFlight.add(handled);
      try {
        await handled;
      } finally {
        this.inFlight.delete(handled);
      }
    } catch (error) {
      this.logger.error(
        { err: error, group: this.subscription.groupId, topic: batch.topic, partition: batch.partition, offset: records[0].offset, lastOffset: last },
        'consuming: batch not applied, it will be delivered again',
      );
      throw error;
    }
    if (rewound) return;
    resolveOffset(last);
    this.resolved.set(`${batch.topic}/${batch.partition}`, { topic: batch.topic, partition: batch.partition, offset: nextOffset(last) });
    await commitOffsetsIfNecessary();
  }
}

function toRecord(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.headers ?? {})) {
    if (value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key ? m.key.toString() : null,
    value: m.value,
    headers,
    timestamp: m.timestamp,
  };
}
