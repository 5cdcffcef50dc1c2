import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Pool } from 'pg';
import type { ConsumedRecord } from '@espalier/contracts/event-log';
import { ALL_TOPICS, decodeEvent, dlqTopicOf, TOPICS, type EspalierEvent } from '@espalier/contracts/events';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { createPool } from '@espalier/shared/data-access-postgres';
import { SecretBox } from '@espalier/shared/util-crypto';
import {
  createTestCa,
  issueDeviceIdentity,
  recordingLogger,
  SimulatedDevice,
  testInfra,
  uniqueName,
  waitUntil,
  type DeviceIdentity,
  type FixtureIds,
  type TestCa,
} from '@espalier/shared/util-testing';
import { startService, waitForStatus, type ServiceProcess } from '../services/service-process';

export const SHARED_IPAD_USER = 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF';

/** Fresh IDs of the same shape, so runs against a long-lived database never meet old state. */
export function uniqueIds(ids: FixtureIds): FixtureIds {
  const u = () => randomUUID().toUpperCase();
  return {
    ...ids,
    udid: ids.udid === undefined ? undefined : /^[0-9a-f]{40}$/.test(ids.udid) ? randomBytes(20).toString('hex') : u(),
    userId: ids.userId === undefined || ids.userId === SHARED_IPAD_USER ? ids.userId : u(),
    enrollmentId: ids.enrollmentId === undefined ? undefined : u(),
    enrollmentUserId: ids.enrollmentUserId === undefined ? undefined : u(),
    userShortName: ids.userId === SHARED_IPAD_USER ? `${uniqueName('student')}@school.example` : ids.userShortName,
  };
}

/** Reads one topic (mdm.enrollment by default) from the offsets it had when the collector started. */
export class EventCollector {
  readonly records: ConsumedRecord[] = [];
  private stopConsumer: (() => Promise<void>) | null = null;
  private from = new Map<number, bigint>();

  constructor(
    private readonly log: KafkaEventLog,
    private readonly topic: string = TOPICS.enrollment,
  ) {}

  async start(): Promise<void> {
    const from = new Map((await this.log.endOffsets(this.topic)).map((e) => [e.partition, BigInt(e.high)]));
    this.from = from;
    const consumer = this.log.subscribe({
      groupId: uniqueName('collector'),
      topics: [this.topic],
      fromBeginning: true,
      handleBatch: async (batch) => {
        const start = from.get(batch.partition) ?? 0n;
        this.records.push(...batch.records.filter((r) => BigInt(r.offset) >= start));
      },
    });
    await consumer.start();
    this.stopConsumer = () => consumer.stop();
  }

  events(deviceId: string): EspalierEvent[] {
    return this.records.filter((r) => r.key === deviceId).map((r) => decodeEvent({ value: r.value, headers: r.headers }) as EspalierEvent);
  }

  async waitFor(deviceId: string, count: number): Promise<EspalierEvent[]> {
    await waitUntil(`${count} events of ${deviceId}`, () => this.events(deviceId).length >= count, 20_000, 25);
    return this.events(deviceId);
  }

  /** Waits until everything appended so far was read, so "no event" assertions mean something. */
  async catchUp(): Promise<void> {
    // Partitions that got nothing since the collector started have nothing to wait for.
    const moved = (await this.log.endOffsets(this.topic)).filter((e) => BigInt(e.high) > (this.from.get(e.partition) ?? 0n));
    await waitUntil('collector caught up', () =>
      moved.every((e) => this.records.some((r) => r.partition === e.partition && BigInt(r.offset) >= BigInt(e.high) - 1n)),
    );
  }

  async stop(): Promise<void> {
    await this.stopConsumer?.();
  }
}

export interface CheckinHarness {
  readonly ca: TestCa;
  readonly caPath: string;
  readonly secretKey: Buffer;
  readonly box: SecretBox;
  readonly pool: Pool;
  readonly log: KafkaEventLog;
  readonly collector: EventCollector;
  device(options?: Parameters<typeof issueDeviceIdentity>[1]): SimulatedDevice;
  identity(options?: Parameters<typeof issueDeviceIdentity>[1]): DeviceIdentity;
  start(env?: Record<string, string>, args?: string[]): Promise<ServiceProcess>;
  /** Any service with the harness's infrastructure, CA and secret key. */
  startService(service: 'checkin' | 'commands' | 'push' | 'api', env?: Record<string, string>, args?: string[]): Promise<ServiceProcess>;
  close(): Promise<void>;
}

/** A test CA, the secret key, clients on the real broker and database, and checkin service processes. */
export async function openCheckinHarness(): Promise<CheckinHarness> {
  const infra = testInfra();
  const ca = createTestCa({ commonName: 'Espalier Test Device CA' });
  const dir = mkdtempSync(path.join(tmpdir(), 'espalier-checkin-'));
  const caPath = path.join(dir, 'ca.pem');
  writeFileSync(caPath, ca.rootPem);
  const secretKey = randomBytes(32);
  const keyId = 'test';
  const box = new SecretBox({ keyId, key: secretKey });
  // createPool: a database restart in a resilience spec must not crash the test process.
  const pool = createPool({ connectionString: infra.databaseUrl, applicationName: 'espalier-test', max: 3 });
  const log = new KafkaEventLog({ brokers: infra.kafkaBrokers, clientId: 'checkin-test', logger: recordingLogger() });
  await log.connect();
  // As every service does at start: on a fresh broker the topics do not exist yet.
  await log.provisionTopics([
    ...ALL_TOPICS.map((topic) => ({ topic, partitions: 6 })),
    ...ALL_TOPICS.map((topic) => ({ topic: dlqTopicOf(topic), partitions: 1 })),
  ]);
  const collector = new EventCollector(log);
  await collector.start();
  const processes: ServiceProcess[] = [];
  const harness: CheckinHarness = {
    ca,
    caPath,
    secretKey,
    box,
    pool,
    log,
    collector,
    identity: (options = { keyType: 'rsa' }) => issueDeviceIdentity(ca, options),
    device: (options = { keyType: 'rsa' }) => new SimulatedDevice(issueDeviceIdentity(ca, options)),
    start(env = {}, args = []) {
      return harness.startService('checkin', env, args);
    },
    async startService(service, env = {}, args = []) {
      const svc = await startService(
        service,
        {
          KAFKA_BROKERS: infra.kafkaBrokers.join(','),
          DATABASE_URL: infra.databaseUrl,
          ESPALIER_CA: caPath,
          ESPALIER_SECRET_KEY: secretKey.toString('base64'),
          ESPALIER_SECRET_KEY_ID: keyId,
          ...env,
        },
        args,
      );
      processes.push(svc);
      await waitForStatus(svc, '/readyz', 200);
      return svc;
    },
    async close() {
      for (const p of processes) p.child.kill('SIGTERM');
      await Promise.all(processes.map((p) => p.exited));
      await collector.stop();
      await log.close();
      await pool.end();
    },
  };
  return harness;
}
