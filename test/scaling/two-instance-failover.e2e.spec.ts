import { after, before, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS, type EspalierEvent } from '@espalier/contracts/events';
import { readCheckpoints } from '@espalier/shared/data-access-postgres';
import { ENROLLMENTS_PROJECTION } from '@espalier/checkin/data-access-enrollments';
import { QUEUE_PROJECTION } from '@espalier/commands/data-access-queue';
import { waitUntil } from '@espalier/shared/util-testing';
import type { ServiceProcess } from '../services/service-process';
import { openCommandsHarness, type CommandsHarness, type Submitted } from '../commands/commands-harness';
import { FleetDevice, type LoadPlan, type Transcript } from './fleet-device';
import { RoutingFront } from './routing-front';
import { replayBoth } from './replay-check';

const DEVICES = 40;
/** Commands submitted before the kill, and after it (while the killed members' partitions move). */
const COMMANDS_BEFORE = 3;
const COMMANDS_AFTER = 3;
const SUBMIT_EVERY_MS = 300;
/** The kill comes once the devices acknowledged this many commands on average. */
const KILL_AFTER_ACKS = DEVICES * 1.5;
/** A device loop that has not finished by then fails the test: a hang is a failure, not a slow pass. */
const LOAD_DEADLINE_MS = 75_000;
/** Both rebuilds read both topics from offset 0; beyond this many records they would not fit the test's time budget. */
const REPLAY_MAX_RECORDS = 100_000;
/**
 * How long a request may wait for its projection to catch up. The killed members keep their
 * partitions until the group's session timeout (10 s) moves them; requests fenced on those
 * partitions wait meanwhile, and must not be refused with 503 while they do.
 */
const CATCH_UP = { ESPALIER_CATCH_UP_TIMEOUT: '30s' };

const running = (svc: ServiceProcess) => svc.child.exitCode === null && svc.child.signalCode === null;

/**
 * ARCHITECTURE §1 scaled out: two instances each of checkin and commands (same
 * consumer groups, one broker, one database) behind a front that applies the
 * project's routing rule, under device load; one instance of each is SIGKILLed
 * mid-load. Devices re-send a request whose connection failed, as real devices
 * do; the test shows that every effect is there exactly once in the log's terms
 * (one CommandQueued per command and enrollment, every acknowledgement
 * recorded, nothing served after its acknowledgement, at most one extra event
 * per re-sent request) and that both projections applied every event once.
 */
describe('scaling: two instances each of checkin and commands, one of each SIGKILLed mid-load', () => {
  let h: CommandsHarness;
  let checkins: ServiceProcess[];
  let commandServices: ServiceProcess[];
  let front: RoutingFront;
  let origin: string;

  before(async () => {
    h = await openCommandsHarness(CATCH_UP);
    const [checkin2, commands2] = await Promise.all([h.startService('checkin', CATCH_UP), h.startService('commands', CATCH_UP)]);
    checkins = [h.checkin, checkin2];
    commandServices = [h.commands, commands2];
    front = new RoutingFront({
      checkin: checkins.map((s, i) => ({ name: `checkin-${i + 1}`, port: s.port })),
      commands: commandServices.map((s, i) => ({ name: `commands-${i + 1}`, port: s.port })),
    });
    origin = await front.start();
  });
  after(async () => {
    await front?.close();
    await h?.close();
  });

  it('loses and duplicates no effect while the partitions of the killed instances move', async (t) => {
    const started = Date.now();
    const fleet = Array.from({ length: DEVICES }, (_, i) => new FleetDevice(h.device({ keyType: 'ecdsa' }), `SCALE-${i}-${randomUUID().toUpperCase()}`, origin));
    const udids = fleet.map((d) => d.udid);
    const deadline = started + LOAD_DEADLINE_MS;
    await Promise.all(fleet.map((d) => d.enroll(deadline)));

    const commands: Submitted[] = [];
    let allSubmitted = false;
    const plan: LoadPlan = {
      commands,
      allSubmitted: () => allSubmitted,
      // About one (device, command) pair in five: NotNow first, Acknowledged when handed again.
      notNow: (udid, commandUuid) => (udids.indexOf(udid) + commands.findIndex((c) => c.commandUuid === commandUuid)) % 5 === 0,
      deadline,
    };
    const submit = async (count: number) => {
      for (let i = 0; i < count; i++) {
        commands.push(await h.submit(udids, { noPush: true }));
        await sleep(SUBMIT_EVERY_MS);
      }
    };
    const loops = Promise.allSettled(fleet.map((d) => d.run(plan)));
    await submit(COMMANDS_BEFORE);

    const acks = () => fleet.reduce((n, d) => n + d.transcript.answered.filter((a) => a.status === 'Acknowledged').length, 0);
    await waitUntil('the load under way', () => acks() >= KILL_AFTER_ACKS, 40_000, 5);
    const killedAt = Date.now();
    const acksBeforeKill = acks();
    process.kill(commandServices[0].child.pid as number, 'SIGKILL');
    process.kill(checkins[0].child.pid as number, 'SIGKILL');
    await submit(COMMANDS_AFTER);
    allSubmitted = true;
    const outcomes = await loops;
    const loadEnded = Date.now();
    const transcripts = fleet.map((d) => d.transcript);
    report(t, transcripts, { killedAt, acksBeforeKill, started, loadEnded });

    const failedLoops = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [`${udids[i]}: ${String(o.reason)}`] : []));
    assert.deepStrictEqual(failedLoops, [], 'every device acknowledged every command');
    assert.ok(acksBeforeKill < DEVICES * (COMMANDS_BEFORE + COMMANDS_AFTER), 'the kill came mid-load');
    assert.deepStrictEqual((await Promise.all([commandServices[0].exited, checkins[0].exited])).map((e) => e.signal), ['SIGKILL', 'SIGKILL']);
    assert.ok(running(commandServices[1]) && running(checkins[1]), 'the other instances kept running');
    assertBothInstancesServed();
    assertDeviceErrorsWereRetriedFailures(transcripts, killedAt);

    await h.collector.catchUp();
    await h.commandEvents.catchUp();
    await projectionsReachLogEnd();
    for (const transcript of transcripts) assertLogOfDevice(transcript, commands);
    await assertQueueProjection(udids, commands);
    await assertEnrollmentsProjection(udids);
  });

  it('rebuilds checkin.enrollments and commands.queue from the log into tables equal to the live ones', async (t) => {
    const records = await recordsInLog();
    if (records > REPLAY_MAX_RECORDS) {
      // A long-lived local broker (benchmarks) holds far more than a CI run; a rebuild from offset 0 would not fit the budget.
      t.skip(`the log holds ${records} records of mdm.enrollment and mdm.command, more than the ${REPLAY_MAX_RECORDS} this test rebuilds; bin/espalier replay checkin.enrollments commands.queue --verify-only does the same check`);
      return;
    }
    const reports = await replayBoth();
    for (const r of reports) {
      t.diagnostic(`replay ${r.projection}: ${r.applied} events, ${r.eventsPerSecond}/s, tables ${r.tables.map((x) => `${x.table}=${x.liveRows}`).join(' ')}`);
      assert.equal(r.equal, true, `${r.projection}: ${JSON.stringify(r.tables.filter((x) => !x.equal))}`);
    }
  });

  async function recordsInLog(): Promise<number> {
    const ends = await Promise.all([TOPICS.enrollment, TOPICS.command].map((topic) => h.log.endOffsets(topic)));
    return ends.flat().reduce((n, e) => n + Number(e.high) - Number(e.low), 0);
  }

  /** Round-robin reached every instance before the kill. */
  function assertBothInstancesServed(): void {
    for (const name of ['checkin-1', 'checkin-2', 'commands-1', 'commands-2']) {
      assert.ok((front.stats.forwarded.get(name) ?? 0) > 0, `${name} took requests`);
    }
    assert.equal(front.stats.failed.get('checkin-2') ?? 0, 0, 'no failed connection to the surviving checkin');
    assert.equal(front.stats.failed.get('commands-2') ?? 0, 0, 'no failed connection to the surviving commands');
  }

  /** The only errors devices saw were failed connections to the killed instances, from the kill on; no 503, no 5xx, no 4xx. */
  function assertDeviceErrorsWereRetriedFailures(transcripts: readonly Transcript[], killedAt: number): void {
    for (const tr of transcripts) {
      assert.deepStrictEqual(tr.unexpected, [], `${tr.udid}: answers other than 200`);
      assert.deepStrictEqual(tr.violations, [], `${tr.udid}: protocol violations`);
      for (const f of tr.failures) assert.ok(f.endedAt >= killedAt, `${tr.udid}: ${f.what} failed before the kill (${f.why})`);
    }
  }

  /** Both projections applied everything the log held once the load ended: no partition left behind by the kill. */
  async function projectionsReachLogEnd(): Promise<void> {
    const ends = (await Promise.all([TOPICS.enrollment, TOPICS.command].map(async (topic) => (await h.log.endOffsets(topic)).map((e) => ({ topic, ...e }))))).flat();
    for (const [schema, projection] of [['checkin', ENROLLMENTS_PROJECTION], ['commands', QUEUE_PROJECTION]]) {
      await waitUntil(`${projection} at the log end`, async () => {
        const checkpoints = await readCheckpoints(h.pool, schema, projection);
        return ends.every((e) => BigInt(e.high) === 0n || checkpoints.some((c) => c.topic === e.topic && c.partition === e.partition && BigInt(c.offset) >= BigInt(e.high) - 1n));
      }, 30_000, 100);
    }
  }

  function assertLogOfDevice(tr: Transcript, commands: readonly Submitted[]): void {
    const events = h.commandEvents.events(tr.udid);
    const of = <T extends EspalierEvent['type']>(type: T, uuid?: string) =>
      events.filter((e): e is Extract<EspalierEvent, { type: T }> => e.type === type && (uuid === undefined || (e.data as { commandUuid?: string | null }).commandUuid === uuid));
    for (const c of commands) {
      assert.equal(of('CommandQueued', c.commandUuid).length, 1, `${tr.udid}: one CommandQueued for ${c.commandUuid}`);
      const firstAck = events.findIndex((e) => e.type === 'CommandReported' && e.data.commandUuid === c.commandUuid && e.data.status === 'Acknowledged');
      assert.ok(firstAck >= 0, `${tr.udid}: the Acknowledged of ${c.commandUuid} is in the log`);
      const later = events.slice(firstAck).filter((e) => e.type === 'CommandDelivered' && e.data.commandUuid === c.commandUuid);
      assert.equal(later.length, 0, `${tr.udid}: ${c.commandUuid} delivered after its Acknowledged was recorded`);
    }
    assert.equal(of('CommandRejected').length, 0, `${tr.udid}: no submission rejected`);
    // Each report answered 200 is one event; a re-sent report may add one more, never more.
    const failedReports = tr.failures.filter((f) => !['Authenticate', 'TokenUpdate'].includes(f.what)).length;
    const answeredReports = tr.answered.length;
    between(of('CommandReported').length, answeredReports, answeredReports + failedReports, `${tr.udid}: CommandReported events`);
    const served = tr.answered.filter((a) => a.served !== null).length;
    between(of('CommandDelivered').length, served, served + failedReports, `${tr.udid}: CommandDelivered events`);
    const enrollment = h.collector.events(tr.udid);
    for (const [type, event] of [['Authenticate', 'EnrollmentAuthenticated'], ['TokenUpdate', 'TokenUpdated']] as const) {
      const failed = tr.failures.filter((f) => f.what === type).length;
      between(enrollment.filter((e) => e.type === event).length, tr.checkins[type], tr.checkins[type] + failed, `${tr.udid}: ${event} events`);
    }
  }

  /** One row per (enrollment, command), Acknowledged, with as many deliveries and NotNows as the log has events. */
  async function assertQueueProjection(udids: readonly string[], commands: readonly Submitted[]): Promise<void> {
    const { rows } = await h.pool.query<{ enrollment_id: string; command_uuid: string; status: string | null; deliveries: number; not_now_tally: number }>(
      'SELECT enrollment_id, command_uuid, status, deliveries, not_now_tally FROM commands.enrollment_commands WHERE enrollment_id = ANY($1)',
      [udids],
    );
    assert.equal(rows.length, udids.length * commands.length, 'one queue entry per enrollment and command');
    for (const row of rows) {
      const events = h.commandEvents.events(row.enrollment_id).filter((e) => 'commandUuid' in e.data && e.data.commandUuid === row.command_uuid);
      const expected = {
        status: 'Acknowledged',
        deliveries: events.filter((e) => e.type === 'CommandDelivered').length,
        not_now_tally: events.filter((e) => e.type === 'CommandReported' && e.data.status === 'NotNow').length,
      };
      assert.deepStrictEqual({ status: row.status, deliveries: row.deliveries, not_now_tally: row.not_now_tally }, expected, `${row.enrollment_id}/${row.command_uuid}`);
    }
  }

  /** Enabled, with the tally of TokenUpdates the log has since the last Authenticate. */
  async function assertEnrollmentsProjection(udids: readonly string[]): Promise<void> {
    const { rows } = await h.pool.query<{ id: string; enabled: boolean; token_update_tally: number }>(
      'SELECT id, enabled, token_update_tally FROM checkin.enrollments WHERE id = ANY($1)',
      [udids],
    );
    assert.equal(rows.length, udids.length, 'one enrollment per device');
    for (const row of rows) {
      const events = h.collector.events(row.id);
      const lastAuth = events.map((e) => e.type).lastIndexOf('EnrollmentAuthenticated');
      const tally = events.slice(lastAuth + 1).filter((e) => e.type === 'TokenUpdated').length;
      assert.deepStrictEqual({ enabled: row.enabled, tally: row.token_update_tally }, { enabled: true, tally }, row.id);
    }
  }

  function report(t: TestContext, transcripts: readonly Transcript[], times: { killedAt: number; acksBeforeKill: number; started: number; loadEnded: number }): void {
    const failures = transcripts.flatMap((tr) => tr.failures);
    const requests = transcripts.reduce((n, tr) => n + tr.answered.length + tr.checkins.Authenticate + tr.checkins.TokenUpdate, 0);
    const whys = new Map<string, number>();
    for (const f of failures) whys.set(f.why, (whys.get(f.why) ?? 0) + 1);
    const acksDuring = transcripts.flatMap((tr) => tr.answered).filter((a) => a.at >= times.killedAt && a.at < times.killedAt + 10_000).length;
    const forwarded = [...front.stats.forwarded].map(([k, v]) => `${k}=${v}`).join(' ');
    t.diagnostic(`${DEVICES} devices, ${COMMANDS_BEFORE + COMMANDS_AFTER} commands each; ${requests} requests answered 200 (${forwarded}); kill after ${times.acksBeforeKill} acknowledgements, ${((times.killedAt - times.started) / 1000).toFixed(1)} s into the load`);
    t.diagnostic(`${failures.length} failed requests retried by ${transcripts.filter((tr) => tr.failures.length > 0).length} devices: ${[...whys].map(([k, v]) => `${v}× ${k}`).join(', ') || 'none'}`);
    t.diagnostic(`${acksDuring} reports answered 200 in the 10 s after the kill; load ended ${((times.loadEnded - times.killedAt) / 1000).toFixed(1)} s after it`);
  }
});

function between(actual: number, min: number, max: number, what: string): void {
  assert.ok(actual >= min && actual <= max, `${what}: ${actual}, expected ${min}..${max}`);
}
