export { decideCheckin, type CheckinCommand } from './checkin.decider';
export type { CertificateUse, CheckinDecision, CheckinFact, ReplySpec } from './checkin-fact';
export type { CheckinOptions, CheckinState } from './checkin-state';
