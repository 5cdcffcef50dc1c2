export { KafkaEventLog, type KafkaEventLogOptions } from './kafka-event-log';
export type { KafkaLogger } from './kafka-client';
export { GroupCommit } from './group-commit';
export { MAX_RECORD_BYTES } from './topic-provisioner';
