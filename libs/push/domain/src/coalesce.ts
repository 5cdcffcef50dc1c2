import type { PushJob, PushTrigger } from './push-trigger';

/**
 * Many triggers for one enrollment within a window become one push: APNs
 * keeps only the latest push per device anyway, and the device fetches its
 * whole queue when woken. Each API request still gets its own outcome: the
 * API waits for outcomes by correlation ID, so every distinct correlation
 * (a push request, or a command submission's queued entry) is answered once.
 * If any operator push request is among them, queued commands need no answer
 * of their own beyond their correlation's.
 */
export function coalesce(triggers: readonly PushTrigger[]): PushJob[] {
  const jobs = new Map<string, { deviceId: string | null; answers: Map<string, PushTrigger> }>();
  for (const trigger of triggers) {
    let job = jobs.get(trigger.enrollmentId);
    if (!job) jobs.set(trigger.enrollmentId, (job = { deviceId: null, answers: new Map() }));
    job.deviceId ??= trigger.deviceId;
    // One answer per correlation; a push request's own event wins over a queued command of the same correlation.
    const seen = job.answers.get(trigger.correlationId);
    if (!seen || (seen.kind === 'queued' && trigger.kind === 'requested')) job.answers.set(trigger.correlationId, trigger);
  }
  return [...jobs].map(([enrollmentId, job]) => ({ enrollmentId, deviceId: job.deviceId, answers: [...job.answers.values()] }));
}
