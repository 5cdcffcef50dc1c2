import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { Pool } from 'pg';
import { ENROLLMENTS_PROJECTION } from '@espalier/checkin/data-access-enrollments';
import { QUEUE_PROJECTION } from '@espalier/commands/data-access-queue';
import { ENQUEUE_GROUP } from '@espalier/commands/feature';
import { ALL_TOPICS, dlqTopicOf } from '@espalier/contracts/events';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { consumerGroupOf } from '@espalier/shared/data-access-postgres';
import { SecretBox } from '@espalier/shared/util-crypto';
import { createTestCa, type TestCa } from '@espalier/shared/util-testing';
import { startService, waitForStatus, type ServiceProcess } from '../../../test/services/service-process';

const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (o: object, m: string) => console.error(m, o) };
const SECRET_KEY_ID = 'bench';

export interface BenchInfra {
  readonly brokers: string;
  readonly databaseUrl: string;
}

/** The bench's own clients on the real broker and database: what the future api service will append with. */
export interface BenchClients {
  readonly log: KafkaEventLog;
  readonly pool: Pool;
  close(): Promise<void>;
}

export async function openClients(infra: BenchInfra, poolSize = 4): Promise<BenchClients> {
  const pool = benchPool(infra.databaseUrl, poolSize);
  const log = new KafkaEventLog({ brokers: infra.brokers.split(','), clientId: 'espalier-commands-bench', logger: quiet });
  await log.connect();
  // As every service does at start: on a fresh broker the topics do not exist yet.
  await log.provisionTopics([...ALL_TOPICS.map((topic) => ({ topic, partitions: 6 })), ...ALL_TOPICS.map((topic) => ({ topic: dlqTopicOf(topic), partitions: 1 }))]);
  return {
    log,
    pool,
    async close() {
      await log.close();
      await pool.end();
    },
  };
}

/** The device CA the services trust and the secret key they seal with; files live until `remove()`. */
export interface BenchSecrets {
  readonly ca: TestCa;
  readonly caPath: string;
  /** Seals what checkin would seal, for events the bench appends itself. */
  readonly box: SecretBox;
  readonly env: Readonly<Record<string, string>>;
  remove(): void;
}

export function createSecrets(): BenchSecrets {
  const ca = createTestCa({ commonName: 'Espalier Bench CA' });
  const dir = mkdtempSync(path.join(tmpdir(), 'espalier-commands-bench-'));
  const caPath = path.join(dir, 'ca.pem');
  writeFileSync(caPath, ca.rootPem);
  const key = randomBytes(32);
  return {
    ca,
    caPath,
    box: new SecretBox({ keyId: SECRET_KEY_ID, key }),
    env: { ESPALIER_CA: caPath, ESPALIER_SECRET_KEY: key.toString('base64'), ESPALIER_SECRET_KEY_ID: SECRET_KEY_ID },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A pool whose idle connections may drop (a database restart) without taking the process down. */
export function benchPool(databaseUrl: string, max: number): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max });
  pool.on('error', (error) => console.error(`bench: idle database connection failed: ${error.message}`));
  return pool;
}

/** Service processes still running: stopped when the bench exits however it exits (a crash, Ctrl-C), never left behind. */
const children = new Set<ChildProcess>();
let exitHooked = false;

function stopChildrenOnExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => {
    for (const child of children) child.kill('SIGTERM');
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(130));
}

/** The checkin and commands services as their own processes, as deployed. */
export interface BenchServices {
  readonly checkin: ServiceProcess;
  readonly commands: ServiceProcess;
  stop(): Promise<void>;
}

export async function startServices(infra: BenchInfra, secrets: BenchSecrets, profileDir?: string): Promise<BenchServices> {
  const env = { KAFKA_BROKERS: infra.brokers, DATABASE_URL: infra.databaseUrl, ESPALIER_LOG_LEVEL: 'warn', ...secrets.env };
  const nodeArgs = (name: string) => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
  const started = await Promise.allSettled([startService('checkin', env, [], { nodeArgs: nodeArgs('checkin') }), startService('commands', env, [], { nodeArgs: nodeArgs('commands') })]);
  const running = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  stopChildrenOnExit();
  for (const svc of running) children.add(svc.child);
  const stop = async () => {
    for (const svc of running) svc.child.kill('SIGTERM');
    await Promise.all(running.map((svc) => svc.exited));
    for (const svc of running) children.delete(svc.child);
  };
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    const [checkin, commands] = running;
    await Promise.all([waitForStatus(checkin, '/readyz', 200), waitForStatus(commands, '/readyz', 200)]);
    return { checkin, commands, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Other processes in the services' consumer groups (a test suite's services
 * on the same broker) take partitions from the bench's services and make
 * the figures meaningless: say so next to them.
 */
export async function otherGroupMembers(brokers: string): Promise<number> {
  const admin = new Kafka({ clientId: 'espalier-commands-bench-admin', brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const groups = [QUEUE_PROJECTION, ENROLLMENTS_PROJECTION].map((name) => consumerGroupOf({ name })).concat(ENQUEUE_GROUP);
    const { groups: described } = await admin.describeGroups(groups);
    return described.reduce((extra, g) => extra + Math.max(0, g.members.length - 1), 0);
  } finally {
    await admin.disconnect();
  }
}
