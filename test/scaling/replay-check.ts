import { setTimeout as sleep } from 'node:timers/promises';
import { enrollmentsProjection } from '@espalier/checkin/data-access-enrollments';
import { queueProjection } from '@espalier/commands/data-access-queue';
import { createPool, replayProjection, ReplayRefused, type Projection, type ReplayReport } from '@espalier/shared/data-access-postgres';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { recordingLogger, testInfra } from '@espalier/shared/util-testing';

/** How long to wait for another replay of the same projection (another spec running at the same time) to end. */
const LOCK_WAIT_MS = 120_000;

/**
 * Rebuilds checkin.enrollments and commands.queue from offset 0 (the projections
 * as the services configure them) and compares each with its live tables at equal
 * offsets, without swapping; the two run side by side.
 */
export async function replayBoth(): Promise<ReplayReport[]> {
  const infra = testInfra();
  const pool = createPool({ connectionString: infra.databaseUrl, applicationName: 'espalier-test-replay', max: 8 });
  const logger = recordingLogger();
  const log = new KafkaEventLog({ brokers: infra.kafkaBrokers, clientId: 'scaling-replay', logger });
  await log.connect();
  try {
    const projections = [enrollmentsProjection('checkin'), queueProjection({ schema: 'commands', deleteAnswered: false })];
    return await Promise.all(projections.map((p) => compareOnce(p, { pool, log, logger })));
  } finally {
    await log.close();
    await pool.end();
  }
}

type ReplayDeps = Parameters<typeof replayProjection>[1];

async function compareOnce(projection: Projection, deps: ReplayDeps): Promise<ReplayReport> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      return await replayProjection(projection, deps, { maxAttempts: 5, swap: false, fresh: true, timeoutMs: 120_000 });
    } catch (error) {
      if (!(error instanceof ReplayRefused && /already running/.test(error.message)) || Date.now() > deadline) throw error;
      await sleep(1_000);
    }
  }
}
