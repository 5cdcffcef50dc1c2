import type { ConsumedBatch, LogPosition, LogRecord } from './log-record';

/** Appends records durably: resolves only once the log acknowledged every record (acks=all). */
export interface LogAppender {
  append(records: readonly LogRecord[]): Promise<LogPosition[]>;
}

export interface BatchContext {
  /** Keeps the consumer's group membership alive during long batches. */
  heartbeat(): Promise<void>;
  /** False once stop() was requested: a handler may end early, the batch is then redelivered. */
  isRunning(): boolean;
  /**
   * Rewinds this batch's partition: the batch counts as not handled and
   * records from `offset` are delivered next. For a consumer whose own
   * checkpoint (e.g. a projection's, in its database) is behind the group's.
   */
  seek?(offset: string): void;
}

export interface LogSubscription {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group with no committed offset starts. Projections start at offset 0. */
  readonly fromBeginning: boolean;
  /**
   * A group of one member that nothing ever resumes (an API replica's own
   * watcher, starting at the end): the log deletes it when the consumer
   * stops, so restarts do not leave stale groups behind.
   */
  readonly ephemeral?: boolean;
  /**
   * Called once per partition batch, batches of one partition strictly in order.
   * The adapter commits the batch's offsets only after this resolves; a throw
   * means "not applied": the batch is delivered again.
   */
  handleBatch(batch: ConsumedBatch, ctx: BatchContext): Promise<void>;
  /**
   * Where to start each newly assigned partition, when the subscriber keeps
   * its own position (a projection's checkpoint in its database, which is
   * the truth: the group's committed offsets may be ahead of a restored or
   * rebuilt database, or behind it). Offsets are those of the next record.
   */
  startOffsets?(topic: string, partitions: readonly number[]): Promise<ReadonlyMap<number, string>>;
}

export interface LogConsumer {
  /** Resolves once the consumer joined its group and started fetching. */
  start(): Promise<void>;
  /** Finishes the batch in flight, commits it, leaves the group. */
  stop(): Promise<void>;
}

export interface PartitionEnd {
  readonly partition: number;
  /** Offset of the next record to be written (the high watermark). */
  readonly high: string;
  readonly low: string;
}

/** Where a consumer group stands on one partition, as it committed to the log. */
export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  /** The next offset the group will read; null when it committed none for this partition. */
  readonly offset: string | null;
}

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
}

/** The event log as services see it; Kafka is one adapter, an embedded table-backed log another. */
export interface EventLog {
  readonly appender: LogAppender;
  subscribe(subscription: LogSubscription): LogConsumer;
  endOffsets(topic: string): Promise<PartitionEnd[]>;
  /**
   * The offsets a consumer group committed on these topics, one entry per
   * partition of each topic. For lag (endOffsets minus this) on /metrics and
   * in `espalier status`; a projection's own position is its checkpoint.
   */
  committedOffsets(groupId: string, topics: readonly string[]): Promise<CommittedOffset[]>;
  /** The partition records with this key go to (the same choice the appender makes). */
  partitionFor(topic: string, key: string): Promise<number>;
  provisionTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Cheap liveness probe for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
