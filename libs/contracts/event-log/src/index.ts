export type { ConsumedBatch, ConsumedRecord, LogPosition, LogRecord } from './log-record';
export type {
  BatchContext,
  EventLog,
  LogAppender,
  LogConsumer,
  LogSubscription,
  PartitionEnd,
  TopicSpec,
} from './event-log.port';
export { compareOffsets, nextOffset } from './offsets';
