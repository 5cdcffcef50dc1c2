export { QUEUE_PROJECTION, queueProjection, type QueueProjectionOptions } from './queue.projection';
export { queueMigrations, queueTables } from './queue.migrations';
export { QueueStateReader, type ReportLookup, type ReportStateRow, type SubmissionRow } from './queue-state.reader';
