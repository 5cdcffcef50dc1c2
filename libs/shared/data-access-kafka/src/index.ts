export { KafkaEventLog, type KafkaEventLogOptions } from './kafka-event-log';
export type { KafkaClientOptions, KafkaLogger } from './kafka-client';
export { KafkaConsumerGroups, type GroupSummary } from './consumer-groups';
export { GroupCommit } from './group-commit';
export { MAX_RECORD_BYTES } from './topic-provisioner';
