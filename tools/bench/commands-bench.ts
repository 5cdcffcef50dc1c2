/**
 * npm run bench:commands [-- --part a|b|c|all] [options below]
 *
 * The command-delivery service's benchmark (issue #4), against the real
 * configuration: the checkin and commands services as their own processes,
 * real Kafka (acks=all) and PostgreSQL, every device request signed
 * (Mdm-Signature, SHA-256, signed attributes) and verified to the CA.
 * Needs KAFKA_BROKERS and DATABASE_URL (eval "$(bash scripts/infra.sh up)");
 * part (c) only DATABASE_URL. Run it on a stack nothing else uses: other
 * services in the same consumer groups (a test run) take partitions from the
 * bench's services, and the bench warns when it sees them.
 *
 * (a) Sustained reports/s and latency. --devices N (200) devices, each
 *     enrolled through the checkin service with its own identity, loop
 *     Idle → command → Ack → next command for --seconds S (30) after
 *     --warmup W (5) seconds. --rounds R commands are queued to every device
 *     before the clock starts (default: enough for --max-rate reports/s,
 *     2,000; a device that runs dry ends the window early, and says so), and
 *     every body a device will send is signed beforehand (in --threads worker
 *     threads), so signing never competes with the services. Every reply is
 *     checked: the next queued command's exact bytes. --key ecdsa|rsa.
 *     --rate R offers R reports/s in all (each device on its own schedule,
 *     latency counted from the scheduled send) instead of back-to-back
 *     loops, whose latency is devices / throughput whatever the service does.
 *     Targets: ≥ 1,500 reports/s, p99 ≤ 50 ms.
 * (b) One CommandSubmitted to --targets T (10,000) enrollments, timed until
 *     all T CommandQueued events are in the log and until all T entries are
 *     deliverable. Targets: 10,000 ≤ 5 s; 100,000 ≤ 30 s:
 *       npm run bench:commands -- --part b --targets 100000
 * (c) The next-command query (QueueStateReader.reportState) over --rows
 *     (1,000,000) queue entries in a scratch schema: --lookups (5,000)
 *     sequential and again with --concurrency (8) in flight, its plan, and the
 *     cost of clearing an enrollment with --heavy (10,000) entries.
 *     Target: p99 ≤ 5 ms.
 *
 * Each part prints a summary line with its figures and targets on stderr and
 * one JSON line on stdout. --profile DIR writes both services' CPU profiles.
 * Quick run: --devices 20 --seconds 5 --warmup 2 --rounds 200 --targets 1000 --rows 20000.
 */
import { availableParallelism } from 'node:os';
import { createSecrets, openClients, otherGroupMembers, startServices, type BenchClients, type BenchInfra, type BenchSecrets, type BenchServices } from './commands-bench/bench-stack';
import { arg, intArg, requiredEnv } from './bench-support';
import { runEnqueueFanout } from './commands-bench/enqueue-fanout.part';
import { runQueueQuery } from './commands-bench/queue-query.part';
import { runReportLoop } from './commands-bench/report-loop.part';
import { prepareRun, type PreparedRun } from './commands-bench/report-loop.prepare';

const PARTS = ['a', 'b', 'c', 'all'] as const;

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = arg(name, fallback);
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`bench: --${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  return value as T;
}

/** Every option, parsed and checked before anything starts. */
function readOptions() {
  const part = oneOf('part', PARTS, 'all');
  const devices = intArg('devices', 200);
  const warmup = Number(arg('warmup', '5'));
  if (!(warmup >= 0)) throw new Error(`bench: --warmup must be a number of seconds ≥ 0, got "${arg('warmup', '')}"`);
  const seconds = intArg('seconds', 30);
  const rate = process.argv.includes('--rate') ? intArg('rate', 0) : undefined;
  return {
    parts: new Set(part === 'all' ? ['a', 'b', 'c'] : [part]),
    loop: {
      devices,
      warmupSeconds: warmup,
      seconds,
      rounds: intArg('rounds', Math.ceil((intArg('max-rate', rate ?? 2000) * (warmup + seconds)) / devices) + 1),
      keyType: oneOf('key', ['ecdsa', 'rsa'] as const, 'ecdsa'),
      threads: intArg('threads', Math.max(1, availableParallelism())),
      rate,
    },
    targets: intArg('targets', 10_000),
    queue: { rows: intArg('rows', 1_000_000), lookups: intArg('lookups', 5_000), concurrency: intArg('concurrency', 8), heavyRows: intArg('heavy', 10_000) },
    profileDir: process.argv.includes('--profile') ? arg('profile', 'prof') : undefined,
  };
}

type Options = ReturnType<typeof readOptions>;

async function prepareReportLoop(clients: BenchClients, secrets: BenchSecrets, loop: Options['loop']): Promise<PreparedRun> {
  const signatures = loop.devices * (loop.rounds + 3);
  console.error(`bench: (a) preparing ${loop.devices} devices × ${loop.rounds} commands (${signatures} ${loop.keyType} signatures in ${loop.threads} threads)…`);
  const started = performance.now();
  const run = await prepareRun(clients.log, secrets.ca, loop);
  console.error(`bench: (a) prepared in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return run;
}

async function warnIfShared(brokers: string): Promise<void> {
  const others = await otherGroupMembers(brokers);
  if (others > 0) console.error(`bench: WARNING: ${others} other consumer(s) share the services' consumer groups (tests on this broker?): the figures below are not representative`);
}

/** Parts (a) and (b) share one pair of service processes; (c) needs only the database. */
async function runWithServices(infra: BenchInfra, options: Options): Promise<void> {
  const clients = await openClients(infra);
  const secrets = createSecrets();
  let services: BenchServices | null = null;
  try {
    const prepared = options.parts.has('a') ? await prepareReportLoop(clients, secrets, options.loop) : null;
    services = await startServices(infra, secrets, options.profileDir);
    if (prepared) {
      await warnIfShared(infra.brokers);
      await runReportLoop(clients, services, prepared, options.loop);
    }
    if (options.parts.has('b')) {
      await warnIfShared(infra.brokers);
      await runEnqueueFanout(clients, secrets, infra.brokers, options.targets);
    }
  } finally {
    await services?.stop();
    await clients.close();
    secrets.remove();
  }
}

async function main() {
  const options = readOptions();
  const databaseUrl = requiredEnv('DATABASE_URL');
  if (options.parts.has('a') || options.parts.has('b')) await runWithServices({ brokers: requiredEnv('KAFKA_BROKERS'), databaseUrl }, options);
  if (options.parts.has('c')) await runQueueQuery(databaseUrl, options.queue);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
