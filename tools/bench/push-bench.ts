/**
 * npm run bench:push [-- --enrollments N --requests R --apns-latency MS --connections C --in-flight F --built]
 *
 * The push service's benchmark (issue #5): pushes/s to a fake APNs for
 * --enrollments N (50,000) enrollments, and the push service's peak memory.
 * The push service runs as its own process, as deployed, against the real
 * Kafka (acks=all) and PostgreSQL; the fake APNs (HTTP/2, mutual TLS with
 * the topic's push certificate) runs in this process, so it shares the
 * machine's cores with everything else. Needs KAFKA_BROKERS and DATABASE_URL
 * (eval "$(bash scripts/infra.sh up)"); run it on a stack nothing else uses.
 *
 * Before the clock: N TokenUpdated events as checkin appends them (straight
 * to the log: the check-in path is bench:checkin's), the push certificate
 * (PushCertUploaded, key sealed), and the push service started and caught up.
 * Timed: from appending R PushRequested events (the N IDs split evenly, as
 * an API client pushing many enrollments would) until the fake APNs received
 * N pushes, and until N outcome events (PushSent) were in the log.
 * --apns-latency MS delays every APNs answer (Apple is tens of ms away).
 * --built runs the service as the Docker image does (service-launch.ts).
 * Target: ≥ 5,000 pushes/s.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEvent, encodeEvent } from '@espalier/contracts/events';
import { uuidv7 } from '@espalier/shared/util-ids';
import { FIXTURE_TOPIC, issuePushCertificate, startFakeApns, type FakeApns } from '@espalier/shared/util-testing';
import { startService, waitForStatus, type ServiceProcess } from '../../test/services/service-process';
import { serviceLaunch } from './service-launch';
import { intArg, printResult, requiredEnv, seconds, sleep } from './bench-support';
import { createSecrets, openClients, type BenchClients, type BenchSecrets } from './commands-bench/bench-stack';
import { appendInChunks, enrollmentRecords } from './commands-bench/direct-enrollments';
import { MemorySampler, residentMiB } from './push-bench/memory-sampler';
import { OutcomeCounter } from './push-bench/outcome-counter';

const TARGET_PER_SECOND = 5_000;

function readOptions() {
  return {
    enrollments: intArg('enrollments', 50_000),
    requests: intArg('requests', 1),
    apnsLatencyMs: process.argv.includes('--apns-latency') ? intArg('apns-latency', 1) : 0,
    connections: intArg('connections', 2),
    inFlight: intArg('in-flight', 1000),
  };
}
type Options = ReturnType<typeof readOptions>;

/** What api does on PUT /v1/pushcert: the certificate and its key sealed with the topic as AAD. */
async function uploadCertificate(clients: BenchClients, secrets: BenchSecrets): Promise<void> {
  const cert = issuePushCertificate({ topic: FIXTURE_TOPIC });
  const event = createEvent(
    'PushCertUploaded',
    {
      topic: FIXTURE_TOPIC,
      certificatePem: cert.certPem,
      privateKey: secrets.box.seal(Buffer.from(cert.keyPem), FIXTURE_TOPIC),
      notAfter: new Date(new X509Certificate(cert.certPem).validTo).toISOString(),
    },
    { eventId: uuidv7(), occurredAt: new Date().toISOString(), enrollmentId: null, deviceId: null, source: 'api', correlationId: uuidv7(), causationId: null },
  );
  await clients.log.appender.append([encodeEvent(event)]);
}

async function startPush(secrets: BenchSecrets, apns: FakeApns, dir: string, options: Options): Promise<ServiceProcess> {
  const caFile = path.join(dir, 'apns-ca.pem');
  writeFileSync(caFile, apns.ca);
  const push = await startService('push', {
    KAFKA_BROKERS: requiredEnv('KAFKA_BROKERS'),
    DATABASE_URL: requiredEnv('DATABASE_URL'),
    ESPALIER_LOG_LEVEL: 'warn',
    ESPALIER_APNS_URL: apns.url,
    ESPALIER_APNS_CONNECTIONS: String(options.connections),
    ESPALIER_APNS_IN_FLIGHT: String(options.inFlight),
    NODE_EXTRA_CA_CERTS: caFile,
    ...secrets.env,
  }, [], await serviceLaunch(['push']));
  // Ready = the push projection caught up with the log, so every target's push data is there.
  await waitForStatus(push, '/readyz', 200, 300_000);
  return push;
}

async function waitFor(what: string, done: () => boolean, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await sleep(5);
  }
  return performance.now();
}

async function run(options: Options): Promise<void> {
  const clients = await openClients({ brokers: requiredEnv('KAFKA_BROKERS'), databaseUrl: requiredEnv('DATABASE_URL') });
  const secrets = createSecrets();
  const dir = mkdtempSync(path.join(tmpdir(), 'espalier-push-bench-'));
  const apns = await startFakeApns();
  let push: ServiceProcess | null = null;
  try {
    const n = options.enrollments;
    console.error(`bench: appending ${n} enrollments (TokenUpdated) and the push certificate…`);
    const { udids, records } = enrollmentRecords(n, secrets.box);
    await appendInChunks(clients.log, records);
    await uploadCertificate(clients, secrets);
    push = await startPush(secrets, apns, dir, options);
    const idle = residentMiB(push.child.pid as number);

    if (options.apnsLatencyMs > 0) apns.reply(() => sleep(options.apnsLatencyMs).then(() => ({ status: 200 as const })));
    const perRequest = Math.ceil(n / options.requests);
    const requests = Array.from({ length: options.requests }, (_, i) =>
      createEvent('PushRequested', { enrollmentIds: udids.slice(i * perRequest, (i + 1) * perRequest) }, {
        eventId: uuidv7(), occurredAt: new Date().toISOString(), enrollmentId: null, deviceId: null, source: 'api', correlationId: uuidv7(), causationId: null,
      }),
    ).filter((e) => e.data.enrollmentIds.length > 0);
    const counter = new OutcomeCounter(clients.log, new Set(requests.map((e) => e.eventId)));
    await counter.start();
    const tokens = new Set(records.flatMap((r) => (r.headers['espalier-type'] === 'TokenUpdated' ? [JSON.parse(r.value.toString('utf8')).data.token as string] : [])));
    let received = 0;
    const before = apns.requests.length;
    let scanned = before;
    const memory = new MemorySampler(push.child.pid as number);

    console.error(`bench: pushing ${n} enrollments in ${requests.length} PushRequested…`);
    const started = performance.now();
    await clients.log.appender.append(requests.map((e) => encodeEvent(e)));
    const apnsDone = await waitFor(`${n} pushes at the fake APNs`, () => {
      for (; scanned < apns.requests.length; scanned++) if (tokens.has(apns.requests[scanned].deviceToken ?? '')) received++;
      return received >= n;
    }, 600_000);
    const outcomesDone = await waitFor(`${n} outcome events`, () => counter.total >= n, 600_000);
    const mem = memory.stop();
    await counter.stop();

    const apnsSeconds = (apnsDone - started) / 1000;
    const result = {
      enrollments: n,
      requests: requests.length,
      apnsLatencyMs: options.apnsLatencyMs,
      connections: options.connections,
      inFlight: options.inFlight,
      pushesPerSecond: Math.round(n / apnsSeconds),
      secondsToApns: seconds(apnsDone - started),
      secondsToOutcomes: seconds(outcomesDone - started),
      outcomesPerSecond: Math.round(n / ((outcomesDone - started) / 1000)),
      sent: counter.sent,
      failed: counter.failed,
      failures: Object.fromEntries(counter.reasons),
      duplicatesAtApns: apns.requests.length - before - n,
      rssIdleMiB: Math.round(idle.rss),
      rssMaxMiB: Math.round(mem.sampledMaxMiB),
      rssPeakMiB: Math.round(mem.peakMiB),
      targetPerSecond: TARGET_PER_SECOND,
      met: n / apnsSeconds >= TARGET_PER_SECOND,
    };
    printResult(
      `bench push: ${n} enrollments → ${result.pushesPerSecond} pushes/s to APNs (${result.secondsToApns} s), outcomes in the log after ${result.secondsToOutcomes} s; ` +
        `push service RSS idle ${result.rssIdleMiB} MiB, peak ${result.rssPeakMiB} MiB; target ≥ ${TARGET_PER_SECOND}/s ${result.met ? 'MET' : 'MISSED'}`,
      result,
    );
  } finally {
    push?.child.kill('SIGTERM');
    await push?.exited;
    await apns.close();
    await clients.close();
    secrets.remove();
    rmSync(dir, { recursive: true, force: true });
  }
}

run(readOptions()).catch((error) => {
  console.error(error);
  process.exit(1);
});
