export { API_PROJECTION, apiProjection } from './api.projection';
export { apiMigrations, apiTables } from './api.migrations';
export { ApiReader } from './api.reader';
export { postEscrowKeyUnlock, type EscrowAnswer } from './escrow.client';
export { EnrollmentsReader, type CommandResultView, type EnrollmentFilter, type EnrollmentView, type QueuedView } from './enrollments.reader';
export { HISTORY_PROJECTION, historyProjection } from './history.projection';
export { HistoryReader, type HistoryEventView, type HistoryPosition, type HistoryQuery } from './history.reader';
