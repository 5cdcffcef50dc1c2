import { Agent } from 'node:http';
import { CHECKIN_CONTENT_TYPE, REPORT_CONTENT_TYPE } from '@espalier/shared/util-testing';
import type { BenchClients, BenchServices } from './bench-stack';
import { eachLimit, printResult, put, seconds, sleep, summarize, type SignedBody } from '../bench-support';
import { commandSubmitted, toRecord, waitDeliverable } from './command-submission';
import type { BenchDevice, PreparedRun } from './report-loop.prepare';

export interface ReportLoopOptions {
  readonly warmupSeconds: number;
  readonly seconds: number;
  /**
   * Offered load in reports/s over all devices (each device sends on its own
   * schedule), or undefined for back-to-back loops. Back to back, latency is
   * devices / throughput by Little's law; with a rate below capacity it shows
   * what a report costs when the service is not saturated.
   */
  readonly rate?: number;
}

/** What the devices saw: latencies and reports in the timed window; failures and replies checked over the whole run. */
interface Tally {
  readonly latencies: number[];
  readonly failures: Map<string, number>;
  wrongReplies: number;
  reports: number;
  answered: number;
}

/** Every device through the real checkin service: Authenticate, then TokenUpdate, each answered 200. */
async function enroll(agent: Agent, services: BenchServices, devices: readonly BenchDevice[]): Promise<void> {
  await eachLimit(devices, 20, async (device) => {
    for (const body of [device.authenticate, device.tokenUpdate]) {
      const res = await put(agent, services.checkin.port, CHECKIN_CONTENT_TYPE, body);
      if (res.status !== 200) throw new Error(`bench: enrolling ${device.udid}: check-in answered ${res.status}\n${services.checkin.output().slice(-2000)}`);
    }
  });
}

/** Every command to every device, as api would submit them, then until all entries are deliverable. */
async function queueAll(clients: BenchClients, run: PreparedRun): Promise<void> {
  const targets = run.devices.map((d) => d.udid);
  const events = run.commands.map((c) => commandSubmitted(c, targets));
  await clients.log.appender.append(events.map(toRecord));
  const refs = events.map((e) => ({ commandUuid: e.data.commandUuid, submissionId: e.eventId }));
  await waitDeliverable(clients.pool, refs, events.length * targets.length, 600_000);
}

/**
 * One device's loop: Idle, then Ack each command it is given. The reply to
 * Idle must be the first command's exact bytes, the reply to Ack i command
 * i+1's, the reply to the last Ack an empty body. A non-200 is retried, as a
 * device would. Returns when the window closes or the device has nothing left.
 */
async function deviceLoop(agent: Agent, port: number, device: BenchDevice, run: PreparedRun, clock: Clock, tally: Tally): Promise<void> {
  let body: SignedBody = device.idle;
  let next = 0;
  // Paced devices start spread over one interval; latency counts from the scheduled send, so a
  // service that falls behind is charged for the wait (no coordinated omission).
  let due = performance.now() + (clock.intervalMs === undefined ? 0 : Math.random() * clock.intervalMs);
  while (performance.now() < clock.stopAt) {
    if (clock.intervalMs !== undefined) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const sentAt = clock.intervalMs === undefined ? performance.now() : due;
    if (clock.intervalMs !== undefined) due += clock.intervalMs;
    const res = await put(agent, port, REPORT_CONTENT_TYPE, body).catch(() => ({ status: -1, body: Buffer.alloc(0), ms: 0 }));
    const timed = sentAt >= clock.startAt && performance.now() <= clock.stopAt;
    if (res.status !== 200) {
      const key = res.status === -1 ? 'network error' : String(res.status);
      tally.failures.set(key, (tally.failures.get(key) ?? 0) + 1);
      await sleep(10);
      continue;
    }
    const expected = next < run.commands.length ? run.commands[next].payload : Buffer.alloc(0);
    tally.answered += 1;
    if (!res.body.equals(expected)) tally.wrongReplies += 1;
    if (timed) {
      tally.reports += 1;
      tally.latencies.push(clock.intervalMs === undefined ? res.ms : performance.now() - sentAt);
    }
    if (next >= run.commands.length) return clock.ranDry(device);
    body = device.acks[next++];
  }
}

interface Clock {
  readonly startAt: number;
  /** Each device's time between sends when paced. */
  readonly intervalMs?: number;
  stopAt: number;
  ranDry(device: BenchDevice): void;
}

/** Part (a): sustained reports/s and latency, every device kept supplied with commands. */
export async function runReportLoop(clients: BenchClients, services: BenchServices, run: PreparedRun, options: ReportLoopOptions): Promise<void> {
  const agent = new Agent({ keepAlive: true, maxSockets: run.devices.length });
  try {
    console.error(`bench: (a) enrolling ${run.devices.length} devices through the checkin service…`);
    await enroll(agent, services, run.devices);
    console.error(`bench: (a) queueing ${run.commands.length} commands to each device (${run.commands.length * run.devices.length} entries)…`);
    const queueStart = performance.now();
    await queueAll(clients, run);
    console.error(`bench: (a) queued in ${seconds(performance.now() - queueStart)} s; ${options.warmupSeconds} s warm-up, then ${options.seconds} s timed`);
    const tally: Tally = { latencies: [], failures: new Map(), wrongReplies: 0, reports: 0, answered: 0 };
    const commitsBefore = await databaseCommits(clients);
    const startAt = performance.now() + options.warmupSeconds * 1000;
    let dry: string | null = null;
    const clock: Clock = {
      startAt,
      intervalMs: options.rate === undefined ? undefined : (run.devices.length / options.rate) * 1000,
      stopAt: startAt + options.seconds * 1000,
      ranDry(device) {
        dry ??= device.udid;
        clock.stopAt = Math.min(clock.stopAt, performance.now());
      },
    };
    await Promise.all(run.devices.map((device) => deviceLoop(agent, services.commands.port, device, run, clock, tally)));
    if (clock.stopAt <= startAt) throw new Error(`bench: ${dry} ran out of commands during the warm-up; raise --rounds`);
    const commits = (await databaseCommits(clients)) - commitsBefore;
    report(tally, clock, run, dry, Number((commits / tally.answered).toFixed(1)), options.rate);
    if (tally.failures.size > 0) console.error(`bench: (a) commands service output (last lines):\n${services.commands.output().slice(-3000)}`);
  } finally {
    agent.destroy();
  }
}

/**
 * Committed transactions in the whole database: over the run, per report, a
 * rough measure of the stack's PostgreSQL work (anything else using the
 * database counts too; statistics are flushed about once a second).
 */
async function databaseCommits(clients: BenchClients): Promise<number> {
  const { rows } = await clients.pool.query<{ n: string }>(`SELECT xact_commit::text AS n FROM pg_stat_database WHERE datname = current_database()`);
  return Number(rows[0].n);
}

function report(tally: Tally, clock: Clock, run: PreparedRun, dry: string | null, commitsPerReport: number, offered: number | undefined): void {
  const window = clock.stopAt - clock.startAt;
  const rate = Math.round(tally.reports / (window / 1000));
  const latency = summarize(tally.latencies);
  const failed = [...tally.failures.values()].reduce((a, b) => a + b, 0);
  const met = rate >= 1500 && latency.p99 <= 50 && failed === 0 && tally.wrongReplies === 0;
  printResult(
    `(a) ${rate} reports/s over ${seconds(window)} s (${run.devices.length} devices, ${offered === undefined ? 'back to back' : `offered ${offered}/s`}), latency p50 ${latency.p50} ms, p95 ${latency.p95} ms, p99 ${latency.p99} ms, max ${latency.max} ms; ` +
      `${failed} non-200 and ${tally.wrongReplies} wrong replies in ${tally.answered + failed} requests${dry ? `; a device ran out of commands (raise --rounds)` : ''}; ` +
      `targets ≥ 1,500 reports/s, p99 ≤ 50 ms: ${met ? 'met' : 'NOT met'}`,
    {
      part: 'a',
      devices: run.devices.length,
      offeredReportsPerSecond: offered ?? null,
      commandsPerDevice: run.commands.length,
      seconds: seconds(window),
      reports: tally.reports,
      reportsPerSecond: rate,
      latencyMs: latency,
      failures: Object.fromEntries(tally.failures),
      wrongReplies: tally.wrongReplies,
      requests: tally.answered + failed,
      databaseCommitsPerReport: commitsPerReport,
      ranDry: dry !== null,
    },
  );
}
