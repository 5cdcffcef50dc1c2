/**
 * npm run bench:api [-- --requests N --concurrency C --enrollments E --built]
 *
 * The operator API's benchmark (issue #6), against the real configuration:
 * the api and commands services as their own processes, real Kafka
 * (acks=all) and PostgreSQL, HTTP Basic auth on every request. Needs
 * KAFKA_BROKERS and DATABASE_URL (eval "$(bash scripts/infra.sh up)"); run it
 * on a stack nothing else uses.
 *
 * (a) Enqueue requests/s to one target: --requests N (2,000) NanoMDM
 *     `PUT /v1/enqueue/<id>?nopush=1`, each a new command plist, --concurrency
 *     C (16) in flight. Each answer comes once the CommandSubmitted is durable
 *     and the commands service decided it (CommandQueued). nopush: pushes are
 *     bench:push's; with a push the answer would also wait for APNs.
 * (b) One JSON command by selector to --enrollments E (100,000) enrollments
 *     of one push topic (their TokenUpdated appended straight to the log
 *     before the clock, as checkin would): time until the API answers, and
 *     until all E queue entries are deliverable in the commands service's
 *     projection.
 * --built runs the services as the Docker image does (service-launch.ts).
 */
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import type { Pool } from 'pg';
import { commandPlist } from '@espalier/shared/util-testing';
import { startService, waitForStatus, type ServiceProcess } from '../../test/services/service-process';
import { serviceLaunch } from './service-launch';
import { eachLimit, intArg, printResult, requiredEnv, seconds, sleep, summarize } from './bench-support';
import { createSecrets, openClients } from './commands-bench/bench-stack';
import { appendInChunks, enrollmentRecords } from './commands-bench/direct-enrollments';

const KEY = 'bench-api-key';
const AUTH = `Basic ${Buffer.from(`nanomdm:${KEY}`).toString('base64')}`;

function call(agent: Agent, port: number, method: string, path: string, body: Buffer | string): Promise<{ status: number; text: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const bytes = Buffer.from(body);
    const r = request({ host: '127.0.0.1', port, path, method, agent, headers: { authorization: AUTH, 'content-length': bytes.length, 'content-type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
      res.on('error', reject);
    });
    r.on('error', reject);
    r.end(bytes);
  });
}

async function waitForCount(pool: Pool, sql: string, params: unknown[], expected: number, what: string, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ n: string }>(sql, params);
    if (Number(rows[0].n) >= expected) return;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what} (${rows[0].n}/${expected})`);
    await sleep(100);
  }
}

async function main() {
  const options = { requests: intArg('requests', 2_000), concurrency: intArg('concurrency', 16), enrollments: intArg('enrollments', 100_000) };
  const infra = { brokers: requiredEnv('KAFKA_BROKERS'), databaseUrl: requiredEnv('DATABASE_URL') };
  const clients = await openClients(infra);
  const secrets = createSecrets();
  const env = { KAFKA_BROKERS: infra.brokers, DATABASE_URL: infra.databaseUrl, ESPALIER_LOG_LEVEL: 'warn', ESPALIER_API: KEY, ...secrets.env };
  const services: ServiceProcess[] = [];
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  try {
    const topic = `com.apple.mgmt.External.${randomUUID()}`;
    console.error(`bench: appending ${options.enrollments + 1} enrollments (TokenUpdated)…`);
    const one = enrollmentRecords(1, secrets.box, `${topic}.single`);
    const fleet = enrollmentRecords(options.enrollments, secrets.box, topic);
    await appendInChunks(clients.log, [...one.records, ...fleet.records]);
    const launch = await serviceLaunch(['commands', 'api']);
    services.push(await startService('commands', env, [], launch), await startService('api', env, [], launch));
    await Promise.all(services.map((svc) => waitForStatus(svc, '/readyz', 200, 600_000)));
    const [, api] = services;
    await waitForCount(clients.pool, 'SELECT count(*) AS n FROM api.enrollments WHERE topic = $1', [topic], options.enrollments, 'the API projection');
    await waitForCount(clients.pool, 'SELECT count(*) AS n FROM commands.enrollments WHERE id = ANY($1)', [[one.udids[0], fleet.udids[0], fleet.udids[fleet.udids.length - 1]]], 3, 'the commands projection');

    // (a)
    const target = one.udids[0];
    const bodies = Array.from({ length: options.requests }, () => commandPlist({ commandUuid: randomUUID().toUpperCase(), requestType: 'DeviceInformation', command: { Queries: ['OSVersion'] } }));
    const latencies: number[] = [];
    let failed = 0;
    console.error(`bench: (a) ${options.requests} enqueue requests to one enrollment, ${options.concurrency} in flight…`);
    const started = performance.now();
    await eachLimit(bodies, options.concurrency, async (body) => {
      const res = await call(agent, api.port, 'PUT', `/v1/enqueue/${target}?nopush=1`, body);
      if (res.status !== 200) failed++;
      latencies.push(res.ms);
    });
    const elapsed = performance.now() - started;
    const a = { requests: options.requests, concurrency: options.concurrency, failed, requestsPerSecond: Math.round(options.requests / (elapsed / 1000)), latencyMs: summarize(latencies.sort((x, y) => x - y)) };
    printResult(`bench api (a): ${a.requestsPerSecond} enqueue requests/s to one enrollment, p50 ${a.latencyMs.p50} ms, p99 ${a.latencyMs.p99} ms, ${failed} failed`, a);

    // (b)
    console.error(`bench: (b) one JSON command by selector to ${options.enrollments} enrollments…`);
    const t0 = performance.now();
    const res = await call(agent, api.port, 'POST', '/v1/commands', JSON.stringify({ request_type: 'DeviceInformation', Queries: ['OSVersion'], selector: { topic }, no_push: true }));
    const answered = performance.now() - t0;
    if (res.status !== 201 && res.status !== 202) throw new Error(`bench: /v1/commands answered ${res.status}: ${res.text}`);
    const { command_uuid: uuid } = JSON.parse(res.text) as { command_uuid: string };
    await waitForCount(clients.pool, 'SELECT count(*) AS n FROM commands.enrollment_commands WHERE command_uuid = $1 AND queued_at IS NOT NULL', [uuid], options.enrollments, 'deliverable entries');
    const deliverable = performance.now() - t0;
    const b = { enrollments: options.enrollments, status: res.status, secondsToAnswer: seconds(answered), secondsToDeliverable: seconds(deliverable) };
    printResult(`bench api (b): one command to ${options.enrollments} enrollments by selector: answered ${res.status} in ${b.secondsToAnswer} s, all deliverable in ${b.secondsToDeliverable} s`, b);
  } finally {
    agent.destroy();
    for (const svc of services) svc.child.kill('SIGTERM');
    await Promise.all(services.map((svc) => svc.exited));
    await clients.close();
    secrets.remove();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
