import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { EventLog } from '@espalier/contracts/event-log';
import { partitionOfKey } from '@espalier/shared/data-access-pglog';
import { repoRoot } from '@espalier/shared/util-testing';
import { buildServices } from '../../build/service-build';
import { startOneProcess, waitUntilReady } from '../../../test/one-process/one-process-harness';
import { startService, waitForStatus, type ServiceProcess } from '../../../test/services/service-process';
import { openClients } from '../commands-bench/bench-stack';

/** Where the bench sends each kind of request, and which processes it measures. */
export interface BenchStack {
  readonly label: string;
  readonly ports: { readonly checkin: number; readonly commands: number; readonly api: number };
  /** Process IDs by name, for peak memory. */
  readonly pids: Readonly<Record<string, number>>;
  readonly log: Pick<EventLog, 'partitionFor'>;
  stop(): Promise<void>;
}

const SERVICES = ['checkin', 'commands', 'push', 'api'] as const;

/**
 * The four services as their own processes on the real Kafka and PostgreSQL
 * (KAFKA_BROKERS, DATABASE_URL), run as the Docker image runs them: the
 * bundles of `npm run build` (made here first) with SERVICE_NODE_OPTIONS.
 */
export async function startDistributed(env: Record<string, string>, infra: { brokers: string; databaseUrl: string }, nodeArgs: string[] = []): Promise<BenchStack> {
  await buildServices(repoRoot, SERVICES);
  const clients = await openClients(infra);
  const services: Partial<Record<(typeof SERVICES)[number], ServiceProcess>> = {};
  const stop = async () => {
    for (const s of Object.values(services)) s.child.kill('SIGTERM');
    await Promise.all(Object.values(services).map((s) => s.exited));
    await clients.close();
  };
  try {
    for (const name of SERVICES) services[name] = await startService(name, { ...env, KAFKA_BROKERS: infra.brokers, DATABASE_URL: infra.databaseUrl }, [], { nodeArgs, built: true });
    for (const s of Object.values(services)) await waitForStatus(s, '/readyz', 200, 600_000);
  } catch (error) {
    await stop();
    throw error;
  }
  const all = services as Record<(typeof SERVICES)[number], ServiceProcess>;
  return {
    label: 'distributed (four processes from dist/, Kafka, PostgreSQL)',
    ports: { checkin: all.checkin.port, commands: all.commands.port, api: all.api.port },
    pids: Object.fromEntries(SERVICES.map((n) => [n, all[n].child.pid as number])),
    log: clients.log,
    stop,
  };
}

/**
 * `npm start` as a user runs it: one process, embedded PostgreSQL and the
 * log in its tables, in a fresh data directory. The log partitions keys as
 * the Kafka adapter does, over the partitions the one process provisions
 * (ESPALIER_KAFKA_PARTITIONS, default 1 there).
 */
export async function startEmbedded(env: Record<string, string>): Promise<BenchStack> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'espalier-bench-data-'));
  const run = await startOneProcess({ ...env, ESPALIER_DATA_DIR: dataDir, KAFKA_BROKERS: undefined, DATABASE_URL: undefined });
  const stop = async () => {
    await run.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const readyMs = await waitUntilReady(run, SERVICES, 600_000);
    console.error(`bench: the one process was ready ${readyMs} ms after its start`);
  } catch (error) {
    await stop();
    throw error;
  }
  const port = Number(new URL(run.base).port);
  const partitions = Number(process.env.ESPALIER_KAFKA_PARTITIONS ?? 1);
  return {
    label: 'embedded (one process, PGlite, log in PostgreSQL tables)',
    ports: { checkin: port, commands: port, api: port },
    pids: { espalier: run.child.pid as number },
    log: { partitionFor: async (_topic: string, key: string) => partitionOfKey(key, partitions) },
    stop,
  };
}
