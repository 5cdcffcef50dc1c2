export type { ConsumedBatch, ConsumedRecord, LogPosition, LogRecord } from './log-record';
export type {
  BatchContext,
  CommittedOffset,
  EventLog,
  LogAppender,
  LogConsumer,
  LogSubscription,
  PartitionEnd,
  TopicSpec,
} from './event-log.port';
export { compareOffsets, lagOf, nextOffset } from './offsets';
export { RunningConsumers } from './running-consumers';
