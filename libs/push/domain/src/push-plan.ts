import { PUSH_FAILURE } from '@espalier/contracts/events';
import type { PushJob } from './push-trigger';

/** An enrollment's push data (§9.1) as the push projection knows it. */
export interface TargetFacts {
  readonly deviceId: string;
  readonly topic: string;
  readonly tokenHex: string;
  readonly pushMagic: string;
  /** APNs refused this token since the enrollment's last TokenUpdate. */
  readonly invalid: boolean;
}

export type PushPlan =
  | { readonly kind: 'send'; readonly job: PushJob; readonly target: TargetFacts }
  | { readonly kind: 'fail'; readonly job: PushJob; readonly deviceId: string; readonly topic: string | null; readonly reason: string; readonly token?: string };

/** The reasons live in the event catalog: the API maps them to NanoMDM's answers. */
export const PUSH_DATA_MISSING = PUSH_FAILURE.dataMissing;
export const TOKEN_INVALID = PUSH_FAILURE.tokenInvalid;
export const noCertificate = PUSH_FAILURE.noCertificate;

/**
 * What to do with each job, given push data and why some topics cannot push
 * (no certificate, or one whose key cannot be opened). Without push data the
 * device is unknown here, so the outcome is keyed by the trigger's device (or
 * the enrollment ID itself).
 */
export function planPushes(jobs: readonly PushJob[], targets: ReadonlyMap<string, TargetFacts>, unusableTopics: ReadonlyMap<string, string>): PushPlan[] {
  return jobs.map((job): PushPlan => {
    const target = targets.get(job.enrollmentId);
    if (!target) return { kind: 'fail', job, deviceId: job.deviceId ?? job.enrollmentId, topic: null, reason: PUSH_DATA_MISSING };
    const failed = { kind: 'fail' as const, job, deviceId: target.deviceId, topic: target.topic, token: target.tokenHex };
    if (target.invalid) return { ...failed, reason: TOKEN_INVALID };
    const unusable = unusableTopics.get(target.topic);
    if (unusable !== undefined) return { ...failed, reason: unusable };
    return { kind: 'send', job, target };
  });
}
