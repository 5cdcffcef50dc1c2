export type { PushJob, PushTrigger } from './push-trigger';
export { coalesce } from './coalesce';
export { noCertificate, planPushes, PUSH_DATA_MISSING, TOKEN_INVALID, type PushPlan, type TargetFacts } from './push-plan';
export { DEFAULT_RETRY, isRetryable, retryDelay, type FailedAttempt, type RetryPolicy } from './retry.policy';
