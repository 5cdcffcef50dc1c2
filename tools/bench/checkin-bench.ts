/**
 * npm run bench:checkin [-- --enrollments N --concurrency C --key ecdsa|rsa --profile DIR]
 *
 * Enrollments/s (Authenticate + TokenUpdate) and check-in latency against the
 * real stack: the checkin service as its own process, real Kafka (acks=all)
 * and PostgreSQL (fsync on), every request signed (Mdm-Signature, SHA-256,
 * signed attributes) and verified to the CA, each enrollment a new device
 * with its own identity certificate. Bodies are signed before the clock
 * starts, so the client's signing does not compete with the server for the
 * two cores. Needs KAFKA_BROKERS and DATABASE_URL.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Agent } from 'node:http';
import {
  CHECKIN_CONTENT_TYPE,
  createTestCa,
  issueDeviceIdentity,
  macosAuthenticate,
  macosTokenUpdate,
  signMdmBody,
} from '@espalier/shared/util-testing';
import { startService, waitForStatus } from '../../test/services/service-process';
import { put as putBody } from './bench-support';

const put = (agent: Agent, port: number, req: Signed) => putBody(agent, port, CHECKIN_CONTENT_TYPE, req);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

interface Signed {
  body: Buffer;
  signature: string;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const total = Number(arg('enrollments', '3000'));
  const concurrency = Number(arg('concurrency', '100'));
  const keyType = arg('key', 'ecdsa') as 'ecdsa' | 'rsa';
  const brokers = process.env.KAFKA_BROKERS;
  const databaseUrl = process.env.DATABASE_URL;
  if (!brokers || !databaseUrl) throw new Error('bench: KAFKA_BROKERS and DATABASE_URL are required (eval "$(bash scripts/infra.sh up)")');

  const ca = createTestCa({ commonName: 'Espalier Bench CA' });
  const caPath = path.join(mkdtempSync(path.join(tmpdir(), 'espalier-bench-')), 'ca.pem');
  writeFileSync(caPath, ca.rootPem);
  console.error(`bench: preparing ${total} enrollments (${keyType} identities, signed SHA-256 with signed attributes)…`);
  const prepStart = performance.now();
  const enrollments: [Signed, Signed][] = [];
  for (let i = 0; i < total; i++) {
    const identity = issueDeviceIdentity(ca, { keyType });
    const udid = randomUUID().toUpperCase();
    const auth = macosAuthenticate({ ids: { udid } });
    const token = macosTokenUpdate({ ids: { udid }, token: randomBytes(32) });
    enrollments.push([
      { body: auth, signature: signMdmBody(auth, identity, { digest: 'sha256', signedAttributes: true }) },
      { body: token, signature: signMdmBody(token, identity, { digest: 'sha256', signedAttributes: true }) },
    ]);
  }
  console.error(`bench: prepared in ${((performance.now() - prepStart) / 1000).toFixed(1)} s; starting the checkin service`);

  const svc = await startService('checkin', {
    KAFKA_BROKERS: brokers,
    DATABASE_URL: databaseUrl,
    ESPALIER_CA: caPath,
    ESPALIER_SECRET_KEY: randomBytes(32).toString('base64'),
    ESPALIER_LOG_LEVEL: 'warn',
  }, [], { nodeArgs: process.argv.includes('--profile') ? ['--cpu-prof', `--cpu-prof-dir=${arg('profile', 'prof')}`] : [] });
  try {
    await waitForStatus(svc, '/readyz', 200);
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    // Warm-up: JIT, connections, consumer assignment.
    const warm = enrollments.splice(0, Math.min(50, Math.floor(total / 10)));
    for (const [a, t] of warm) {
      await put(agent, svc.port, a);
      await put(agent, svc.port, t);
    }
    const latencies: number[] = [];
    const failures = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    const worker = async () => {
      while (next < enrollments.length) {
        const [a, t] = enrollments[next++];
        for (const req of [a, t]) {
          const { status, ms } = await put(agent, svc.port, req);
          latencies.push(ms);
          if (status !== 200) failures.set(status, (failures.get(status) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((x, y) => x - y);
    const result = {
      enrollments: enrollments.length,
      concurrency,
      keyType,
      seconds: Number(seconds.toFixed(2)),
      enrollmentsPerSecond: Math.round(enrollments.length / seconds),
      requestsPerSecond: Math.round(latencies.length / seconds),
      latencyMs: { p50: Number(percentile(latencies, 50).toFixed(1)), p90: Number(percentile(latencies, 90).toFixed(1)), p99: Number(percentile(latencies, 99).toFixed(1)), max: Number(latencies[latencies.length - 1].toFixed(1)) },
      failures: Object.fromEntries(failures),
    };
    console.error(
      `bench: ${result.enrollmentsPerSecond} enrollments/s (${result.requestsPerSecond} check-ins/s), latency p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms; targets ≥ 500 enrollments/s, p99 ≤ 50 ms`,
    );
    process.stdout.write(JSON.stringify(result) + '\n');
    agent.destroy();
  } finally {
    svc.child.kill('SIGTERM');
    await svc.exited;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
