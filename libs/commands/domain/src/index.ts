export type { AssociationState, QueuedCommand, ReportOptions, ReportState } from './report-state';
export { nextCommandQuery, type NextCommandQuery } from './next-command.query';
export { decideReport, type CertificateUse, type ReportCommand, type ReportDecision, type ReportFact } from './report.decider';
export { decideEnqueue, type EnqueueDecision, type EnqueueOptions, type EnqueueState, type RejectReason, type Submission } from './enqueue.decider';
