export { PgEventLog, type GroupSummary, type PgEventLogOptions, type PgLogLogger } from './pg-event-log';
export type { PgConsumerOptions } from './pg-consumer';
export { pglogMigrations } from './pglog.migrations';
export { partitionOfKey } from './topic-catalog';
