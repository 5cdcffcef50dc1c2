/**
 * npm run bench [-- --devices N --rounds K --concurrency C --skip-baselines]
 *
 * End-to-end device cycles through the distributed stack (issue #8): the
 * checkin, commands, push and api services as their own processes, real
 * Kafka (acks=all) and PostgreSQL (fsync on), every device request signed
 * and verified, the fake APNs (HTTP/2, mutual TLS) in this process.
 *
 * N devices (1,000) enroll through /mdm (Authenticate, TokenUpdate). Then K
 * rounds (5): the operator submits one command to every device
 * (POST /v1/commands with their IDs), the push service pushes each device
 * through APNs, and each device, once its push arrived, fetches the command
 * (Idle report) and acknowledges it (the reply is empty). One device cycle =
 * push received, command fetched, acknowledged. Prints cycles/s, latency per
 * step, each service's peak memory, and the same-run baselines of the event
 * log benchmark (kafkajs alone, PostgreSQL alone: `npm run bench:log`).
 * Bodies are signed in worker threads before the clock starts.
 * `--embedded` runs the same against `npm start`'s one process (PGlite, the
 * log in its tables) in a fresh data directory; the baselines are then skipped.
 * Targets (issue #8): ≥ 1,000 cycles/s distributed, ≥ 300 embedded; ≤ 200 MB per service.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { CHECKIN_CONTENT_TYPE, FIXTURE_TOPIC, issuePushCertificate, REPORT_CONTENT_TYPE, repoRoot, startFakeApns } from '@espalier/shared/util-testing';
import { eachLimit, intArg, printLine, put, requiredEnv, sleep, summarize } from './bench-support';
import { createSecrets } from './commands-bench/bench-stack';
import { CpuAccount } from './e2e-bench/cpu-account';
import { startDistributed, startEmbedded, type BenchStack } from './e2e-bench/stacks';
import { prepareRun, type BenchDevice } from './commands-bench/report-loop.prepare';
import { MemorySampler } from './push-bench/memory-sampler';

const embedded = process.argv.includes('--embedded');
const TARGET_CYCLES = embedded ? 300 : 1_000;
const TARGET_MIB = 200;

function call(port: number, method: string, url: string, key: string, body?: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: url, method, headers: { authorization: `Basic ${Buffer.from(`nanomdm:${key}`).toString('base64')}`, 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Pushes received per device token, counted as the fake APNs records them. */
function pushCounter(requests: { deviceToken: string | undefined }[]) {
  const counts = new Map<string, number>();
  let scanned = 0;
  return (token: string) => {
    for (; scanned < requests.length; scanned++) {
      const t = requests[scanned].deviceToken?.toLowerCase();
      if (t) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    return counts.get(token) ?? 0;
  };
}

/**
 * CPU per device cycle by process, beside the budget the target leaves: at
 * the target rate, the machine's cores give (cores / target) seconds per cycle.
 */
function printCpu(cpuSeconds: Map<string, number>, cycles: number, seconds: number, target: number): void {
  const cores = availableParallelism();
  const total = [...cpuSeconds.values()].reduce((a, b) => a + b, 0);
  const ms = (s: number) => ((s * 1000) / cycles).toFixed(2);
  printLine(`CPU per device cycle (ms): ${[...cpuSeconds].map(([n, s]) => `${n} ${ms(s)}`).join(', ')}; total ${ms(total)}`);
  printLine(
    `  ${(total / seconds).toFixed(2)} of ${cores} cores busy during the cycles; at ${target.toLocaleString('en-US')} cycles/s these ${cores} cores allow ${((cores * 1000) / target).toFixed(2)} ms per cycle`,
  );
}

/** `--cpu-prof DIR`: each service process writes a V8 CPU profile there when it stops. */
function profileArgs(): string[] {
  const at = process.argv.indexOf('--cpu-prof');
  return at < 0 ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.argv[at + 1])}`];
}

async function main(): Promise<void> {
  const devicesN = intArg('devices', 1_000);
  const rounds = intArg('rounds', 5);
  const concurrency = intArg('concurrency', 64);
  const secrets = createSecrets();
  const apns = await startFakeApns();
  const dir = mkdtempSync(path.join(tmpdir(), 'espalier-e2e-bench-'));
  const apnsCa = path.join(dir, 'apns-ca.pem');
  writeFileSync(apnsCa, apns.ca);
  const key = randomBytes(12).toString('hex');
  const env = { ESPALIER_LOG_LEVEL: 'warn', ESPALIER_API: key, ESPALIER_APNS_URL: apns.url, NODE_EXTRA_CA_CERTS: apnsCa, ...secrets.env };
  let stack: BenchStack | null = null;
  try {
    stack = embedded ? await startEmbedded(env) : await startDistributed(env, { brokers: requiredEnv('KAFKA_BROKERS'), databaseUrl: requiredEnv('DATABASE_URL') }, profileArgs());
    const ports = stack.ports;
    console.error(`bench: ${stack.label}; signing ${devicesN} devices × ${rounds + 3} bodies…`);
    const run = await prepareRun(stack.log, secrets.ca, { devices: devicesN, rounds, keyType: 'ecdsa', threads: 2 });
    const cert = issuePushCertificate({ topic: FIXTURE_TOPIC });
    const uploaded = await call(ports.api, 'PUT', '/v1/pushcert', key, `${cert.certPem}\n${cert.keyPem}`);
    if (uploaded.status !== 200) throw new Error(`bench: PUT /v1/pushcert answered ${uploaded.status} ${uploaded.text}`);
    const memory = Object.fromEntries(Object.entries(stack.pids).map(([n, pid]) => [n, new MemorySampler(pid)]));
    const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
    const latency = { enroll: [] as number[], enqueue: [] as number[], push: [] as number[], idle: [] as number[], ack: [] as number[] };

    let t = performance.now();
    await eachLimit(run.devices, concurrency, async (d) => {
      for (const body of [d.authenticate, d.tokenUpdate]) {
        const res = await put(agent, ports.checkin, CHECKIN_CONTENT_TYPE, body);
        if (res.status !== 200) throw new Error(`bench: enrolling ${d.udid}: ${res.status}`);
        latency.enroll.push(res.ms);
      }
    });
    const enrollSeconds = (performance.now() - t) / 1000;

    const pushesTo = pushCounter(apns.requests);
    const cycle = async (d: BenchDevice, round: number, submittedAt: number) => {
      while (pushesTo(d.token) < round + 1) await sleep(5);
      latency.push.push(performance.now() - submittedAt);
      const idle = await put(agent, ports.commands, REPORT_CONTENT_TYPE, d.idle);
      if (idle.status !== 200 || !idle.body.includes(run.commands[round].commandUuid)) throw new Error(`bench: ${d.udid} round ${round}: Idle answered ${idle.status} without the command`);
      latency.idle.push(idle.ms);
      const ack = await put(agent, ports.commands, REPORT_CONTENT_TYPE, d.acks[round]);
      if (ack.status !== 200 || ack.body.length !== 0) throw new Error(`bench: ${d.udid} round ${round}: Acknowledged answered ${ack.status}, ${ack.body.length} bytes`);
      latency.ack.push(ack.ms);
    };
    const cpu = new CpuAccount(stack.pids, embedded ? undefined : path.join(repoRoot, '.infra'));
    cpu.start();
    t = performance.now();
    for (let round = 0; round < rounds; round++) {
      const submittedAt = performance.now();
      const body = JSON.stringify({ request_type: 'DeviceInformation', Queries: ['DeviceName', 'OSVersion', 'SerialNumber'], command_uuid: run.commands[round].commandUuid, enrollment_ids: run.devices.map((d) => d.udid) });
      const submitted = await call(ports.api, 'POST', '/v1/commands', key, body);
      if (submitted.status !== 201 && submitted.status !== 202) throw new Error(`bench: POST /v1/commands answered ${submitted.status} ${submitted.text}`);
      latency.enqueue.push(performance.now() - submittedAt);
      await Promise.all(run.devices.map((d) => cycle(d, round, submittedAt)));
    }
    const cycleSeconds = (performance.now() - t) / 1000;
    const cpuSeconds = cpu.stop();
    const peaks = Object.fromEntries(Object.entries(memory).map(([n, m]) => [n, m.stop()]));
    agent.destroy();

    const cycles = devicesN * rounds;
    const rate = Math.round(cycles / cycleSeconds);
    printLine(`end-to-end, ${stack.label}: ${devicesN.toLocaleString('en-US')} devices, ${rounds} rounds: ${cycles.toLocaleString('en-US')} device cycles in ${cycleSeconds.toFixed(1)} s = ${rate.toLocaleString('en-US')} cycles/s (target ≥ ${TARGET_CYCLES.toLocaleString('en-US')}: ${rate >= TARGET_CYCLES ? 'met' : 'MISSED'})`);
    printLine(`enrollment: ${devicesN.toLocaleString('en-US')} devices in ${enrollSeconds.toFixed(1)} s = ${Math.round(devicesN / enrollSeconds).toLocaleString('en-US')} enrollments/s`);
    for (const [step, values] of Object.entries(latency)) {
      const s = summarize(values);
      printLine(`  ${step.padEnd(8)} n=${String(s.count).padStart(6)}  p50 ${s.p50} ms  p95 ${s.p95} ms  p99 ${s.p99} ms  max ${s.max} ms`);
    }
    printLine(`peak RSS (MiB, target ≤ ${TARGET_MIB}): ${Object.entries(peaks).map(([n, p]) => `${n} ${Math.round(p.peakMiB)}${p.peakMiB > TARGET_MIB ? ' OVER' : ''}`).join(', ')}`);
    printLine(`  (the kernel's high-water mark over each process's life, start-up included; highest RSS sampled during the run: ${Object.entries(peaks).map(([n, p]) => `${n} ${Math.round(p.sampledMaxMiB)}`).join(', ')})`);
    printLine('(push: from the command submission to its APNs push; enqueue: POST /v1/commands to all devices, until 201/202)');
    printCpu(cpuSeconds, cycles, cycleSeconds, TARGET_CYCLES);
  } finally {
    await stack?.stop();
    await apns.close();
    secrets.remove();
  }
  if (!embedded && !process.argv.includes('--skip-baselines')) {
    printLine('\nsame-run baselines (npm run bench:log -- --events 100000):');
    process.stdout.write(execFileSync(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'tools/bench/log-bench.ts'), '--events', '100000'], { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
