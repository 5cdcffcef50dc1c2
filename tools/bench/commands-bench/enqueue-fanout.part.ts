import { randomUUID } from 'node:crypto';
import { QUEUE_PROJECTION } from '@espalier/commands/data-access-queue';
import { CheckpointBarrier } from '@espalier/shared/data-access-postgres';
import { commandPlist } from '@espalier/shared/util-testing';
import type { BenchClients, BenchSecrets } from './bench-stack';
import { printResult, seconds } from '../bench-support';
import { commandSubmitted, deliverableCount, toRecord } from './command-submission';
import { appendInChunks, enrollmentRecords, knownEnrollments, waitProjectionsIdle } from './direct-enrollments';
import { QueuedCounter } from './queued-counter';

/** 10,000 targets in 5 s, 100,000 in 30 s; other sizes are measured without a target. */
function targetSeconds(targets: number): number | null {
  if (targets <= 10_000) return 5;
  if (targets <= 100_000) return 30;
  return null;
}

/**
 * Part (b): one CommandSubmitted with T targets, timed until (1) all T
 * CommandQueued events are in the log and (2) the commands projection has
 * applied them, i.e. all T entries are deliverable (the same wait the enqueue
 * handler does before its next decision).
 */
export async function runEnqueueFanout(clients: BenchClients, secrets: BenchSecrets, brokers: string, targets: number): Promise<void> {
  const { log, pool } = clients;
  console.error(`bench: (b) appending ${targets} enrollments (EnrollmentAuthenticated + TokenUpdated) straight to the log…`);
  const prepStart = performance.now();
  const { udids, records } = enrollmentRecords(targets, secrets.box);
  await appendInChunks(log, records);
  await waitProjectionsIdle(log, pool, 600_000);
  const known = await knownEnrollments(pool, udids);
  if (known !== targets) throw new Error(`bench: the commands projection knows ${known} of ${targets} enrollments after catching up`);
  const commandUuid = randomUUID().toUpperCase();
  const event = commandSubmitted({ commandUuid, payload: commandPlist({ commandUuid, requestType: 'DeviceInformation', command: { Queries: ['DeviceName'] } }) }, udids);
  const record = toRecord(event);
  const counter = new QueuedCounter(event.eventId, targets);
  await counter.start(log, brokers);
  console.error(`bench: (b) prepared in ${seconds(performance.now() - prepStart)} s; submitting one command to ${targets} enrollments (${Math.round(record.value.length / 1024)} KiB event)`);
  try {
    const started = performance.now();
    await log.appender.append([record]);
    const inLog = (await counter.wait(600_000)) - started;
    const barrier = new CheckpointBarrier(pool);
    await Promise.all([...counter.last.values()].map((p) => barrier.waitFor('commands', QUEUE_PROJECTION, p, 600_000)));
    const deliverable = performance.now() - started;
    const entries = await deliverableCount(pool, [{ commandUuid, submissionId: event.eventId }]);
    if (entries !== targets) throw new Error(`bench: ${entries} of ${targets} entries deliverable after the projection applied every CommandQueued`);
    const target = targetSeconds(targets);
    const met = target === null ? null : deliverable / 1000 <= target;
    printResult(
      `(b) ${targets} targets: all CommandQueued in the log after ${seconds(inLog)} s, all deliverable after ${seconds(deliverable)} s ` +
        `(${Math.round(targets / (deliverable / 1000))} entries/s); target ${target === null ? 'none at this size' : `≤ ${target} s: ${met ? 'met' : 'NOT met'}`}`,
      { part: 'b', targets, queuedInLogSeconds: seconds(inLog), deliverableSeconds: seconds(deliverable), targetSeconds: target },
    );
  } finally {
    await counter.stop();
  }
}
