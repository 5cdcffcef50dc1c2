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

/** NanoMDM's per-ID error for an enrollment without a TokenUpdate (§9.1). */
export const PUSH_DATA_MISSING = 'push data missing for id';
export const TOKEN_INVALID = 'device token refused by APNs since the last TokenUpdate; not pushed until the next one';
export const noCertificate = (topic: string) => `no push certificate for topic "${topic}"`;

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
