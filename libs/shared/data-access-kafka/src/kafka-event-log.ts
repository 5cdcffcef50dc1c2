import type { Admin, Kafka, Producer } from 'kafkajs';
import { Partitioners } from 'kafkajs';
import type { CommittedOffset, EventLog, LogConsumer, LogSubscription, PartitionEnd, TopicSpec } from '@espalier/contracts/event-log';
import { committedOffsets, topicEnds } from './admin-offsets';
import { createKafka, TrackedSockets, type KafkaClientOptions } from './kafka-client';
import { KafkaAppender } from './kafka-appender';
import { KafkaLogConsumer, type KafkaConsumerOptions } from './kafka-consumer';
import { PartitionTable } from './partition-table';
import { provisionTopics } from './topic-provisioner';

export interface KafkaEventLogOptions extends KafkaClientOptions {
  readonly consumer?: Partial<KafkaConsumerOptions>;
}

/** The Kafka adapter of the event log port. Connect before use; close once. */
export class KafkaEventLog implements EventLog {
  private readonly kafka: Kafka;
  private readonly producer: Producer;
  private readonly admin: Admin;
  readonly appender: KafkaAppender;
  private readonly consumers = new Set<LogConsumer>();
  private readonly consumerOptions: KafkaConsumerOptions;
  private readonly sockets = new TrackedSockets();
  private readonly partitions: PartitionTable;

  constructor(private readonly options: KafkaEventLogOptions) {
    this.kafka = createKafka(options, this.sockets);
    // Idempotence gives exactly-once appends per producer session despite
    // retries; kafkajs then requires one request in flight and acks=all.
    // The partitioner partitionFor() uses too (PartitionTable), named so kafkajs does not warn about its v2 default.
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    this.admin = this.kafka.admin();
    this.partitions = new PartitionTable(this.admin);
    this.appender = new KafkaAppender(this.producer, this.partitions);
    // sessionTimeout bounds how long a replica that died without leaving (SIGKILL, lost host) holds
    // its partitions: requests fenced on them wait until the group moves them. Batches are small
    // (maxBytesPerPartition), so 10 s of silence means a dead member, not a busy one.
    this.consumerOptions = { partitionsConsumedConcurrently: 4, maxWaitTimeInMs: 500, maxBytesPerPartition: 1024 * 1024, sessionTimeout: 10_000, ...options.consumer };
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    await this.producer.connect();
  }

  subscribe(subscription: LogSubscription): LogConsumer {
    const inner = new KafkaLogConsumer(this.kafka, subscription, this.options.logger, this.consumerOptions);
    const consumer: LogConsumer = {
      start: () => inner.start(),
      stop: async () => {
        this.consumers.delete(consumer);
        await inner.stop();
        if (subscription.ephemeral) await this.forget(subscription.groupId);
      },
    };
    this.consumers.add(consumer);
    return consumer;
  }

  /** Deletes an ephemeral group once its only member left; a failure leaves it to Kafka's offset retention. */
  private async forget(groupId: string): Promise<void> {
    try {
      await this.admin.deleteGroups([groupId]);
    } catch (error) {
      this.options.logger.warn({ err: error, groupId }, 'kafka: could not delete an ephemeral consumer group; Kafka expires it after offsets.retention.minutes');
    }
  }

  endOffsets(topic: string): Promise<PartitionEnd[]> {
    return topicEnds(this.admin, topic);
  }

  committedOffsets(groupId: string, topics: readonly string[]): Promise<CommittedOffset[]> {
    return committedOffsets(this.admin, groupId, topics);
  }

  partitionFor(topic: string, key: string): Promise<number> {
    return this.partitions.partitionFor(topic, key);
  }

  provisionTopics(topics: readonly TopicSpec[]): Promise<void> {
    return provisionTopics(this.admin, topics, this.options.logger);
  }

  async deleteGroup(groupId: string): Promise<void> {
    await this.admin.deleteGroups([groupId]);
  }

  async ping(): Promise<void> {
    await this.admin.describeCluster();
  }

  /** Stops consumers (each finishes its batch), flushes appends, then disconnects. */
  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    await this.appender.flush();
    await this.producer.disconnect();
    await this.admin.disconnect();
    const left = this.sockets.destroyAll();
    if (left > 0) this.options.logger.debug({ sockets: left }, 'kafka: closed sockets the client left open');
  }
}
