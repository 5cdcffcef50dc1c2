import type { PushJob, PushTrigger } from './push-trigger';

/**
 * Many triggers for one enrollment within a window become one push: APNs
 * keeps only the latest push per device anyway, and the device fetches its
 * whole queue when woken. Each operator request still gets its own outcome
 * (the API waits for answers to its request), while a burst of queued
 * commands gets one.
 */
export function coalesce(triggers: readonly PushTrigger[]): PushJob[] {
  const jobs = new Map<string, { deviceId: string | null; requested: PushTrigger[]; queued: PushTrigger | null }>();
  for (const trigger of triggers) {
    let job = jobs.get(trigger.enrollmentId);
    if (!job) jobs.set(trigger.enrollmentId, (job = { deviceId: null, requested: [], queued: null }));
    job.deviceId ??= trigger.deviceId;
    if (trigger.kind === 'queued') job.queued ??= trigger;
    else if (!job.requested.some((seen) => seen.eventId === trigger.eventId)) job.requested.push(trigger);
  }
  return [...jobs].map(([enrollmentId, job]) => ({
    enrollmentId,
    deviceId: job.deviceId,
    answers: job.requested.length > 0 ? job.requested : [job.queued as PushTrigger],
  }));
}
