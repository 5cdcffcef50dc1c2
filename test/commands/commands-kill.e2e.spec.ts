import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, type EspalierEvent } from '@espalier/contracts/events';
import {
  acknowledgedReport,
  exitWhenDone,
  idleReport,
  infraCommand,
  localInfraControls,
  waitUntil,
  type DeviceResponse,
  type SimulatedDevice,
} from '@espalier/shared/util-testing';
import type { ServiceProcess } from '../services/service-process';
import { openCommandsHarness, type CommandsHarness, type Submitted } from './commands-harness';

const controls = localInfraControls();

// This file restarts the broker: see exitWhenDone.
exitWhenDone();

const DEVICES = 20;
const COMMANDS = 6;
/** Each device loop gives up after this: a hang is a failure, not a slow pass. */
const LOOP_DEADLINE_MS = 70_000;

/** A report the device got 200 for, and the command that 200 carried (null: an empty body). */
interface Answered {
  readonly status: 'Idle' | 'Acknowledged';
  readonly commandUuid: string | null;
  readonly served: string | null;
}

/** What one device saw. Like a real device, it sends the same report again until it gets an answer. */
interface Transcript {
  readonly udid: string;
  readonly answered: Answered[];
  /** Requests sent before the kill that ended without an HTTP answer. */
  cutOff: number;
  refused: number;
  unavailable: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ids = (udid: string) => ({ ids: { udid } });
const transcriptOf = (udid: string): Transcript => ({ udid, answered: [], cutOff: 0, refused: 0, unavailable: 0 });
const reportBody = (udid: string, commandUuid: string | null) =>
  commandUuid === null ? idleReport(ids(udid)) : acknowledgedReport({ ...ids(udid), commandUuid });

/**
 * Crashes and outages of the commands service, over real HTTP with real
 * Kafka and PostgreSQL: a report answered 200 is in the log, a report refused
 * with 503 can be sent again and is then recorded, and a command whose
 * Acknowledged got 200 is never served to that enrollment again.
 */
describe('commands service: SIGKILL and outages', () => {
  let h: CommandsHarness;
  let killedAt = Infinity;
  before(async () => {
    h = await openCommandsHarness({ ESPALIER_CATCH_UP_TIMEOUT: '2s' });
  });
  after(async () => {
    if (controls.kafka) await infraCommand('kafka-start');
    if (controls.postgres) await infraCommand('postgres-start');
    await h.close();
  });

  /** PUT one report to whichever commands process runs now; a connection error is `null`. */
  async function send(device: SimulatedDevice, body: Buffer): Promise<DeviceResponse | null> {
    try {
      return await device.report(h.commands.url, body);
    } catch {
      return null;
    }
  }

  /** Sends `body` until it gets an HTTP answer other than 503, as a device does after a failed connection or a 503. */
  async function untilAnswered(device: SimulatedDevice, body: Buffer, transcript: Transcript, deadline: number): Promise<DeviceResponse> {
    for (;;) {
      if (Date.now() > deadline) throw new Error(`${transcript.udid}: no answer before the deadline (${JSON.stringify(transcript)})`);
      const sentAt = Date.now();
      const res = await send(device, body);
      if (res === null && sentAt < killedAt) transcript.cutOff += 1;
      else if (res === null) transcript.refused += 1;
      else if (res.status === 503) transcript.unavailable += 1;
      else return res;
      await sleep(100);
    }
  }

  /** Idle, then Acknowledged for each command served, until the reply is empty. */
  async function deviceLoop(device: SimulatedDevice, transcript: Transcript, commands: readonly Submitted[]): Promise<void> {
    const deadline = Date.now() + LOOP_DEADLINE_MS;
    let commandUuid: string | null = null;
    for (;;) {
      const res = await untilAnswered(device, reportBody(transcript.udid, commandUuid), transcript, deadline);
      assert.equal(res.status, 200, `${transcript.udid}: report of ${commandUuid ?? 'Idle'} answered ${res.status}`);
      const served = res.body.length === 0 ? null : servedCommand(res.body, commands, transcript.udid);
      transcript.answered.push({ status: commandUuid === null ? 'Idle' : 'Acknowledged', commandUuid, served });
      if (served === null) return;
      commandUuid = served;
    }
  }

  function servedCommand(body: Buffer, commands: readonly Submitted[], udid: string): string {
    const found = commands.find((c) => c.payload.equals(body));
    assert.ok(found, `${udid}: served bytes that are no queued command: ${body.toString()}`);
    return found.commandUuid;
  }

  function commandEventsOf(udid: string): EspalierEvent[] {
    return h.commandEvents.records.filter((r) => r.key === udid).map((r) => decodeEvent({ value: r.value, headers: r.headers }) as EspalierEvent);
  }

  async function projected(udids: readonly string[]): Promise<string[]> {
    const { rows } = await h.pool.query<{ enrollment_id: string; command_uuid: string; status: string | null }>(
      'SELECT enrollment_id, command_uuid, status FROM commands.enrollment_commands WHERE enrollment_id = ANY($1)',
      [udids],
    );
    return rows.map((r) => `${r.enrollment_id}/${r.command_uuid}/${r.status}`).sort();
  }

  async function queueToAll(udids: readonly string[], count: number): Promise<Submitted[]> {
    const out: Submitted[] = [];
    for (let i = 0; i < count; i++) {
      const submitted = await h.submit(udids);
      await h.queued(submitted, udids.length);
      out.push(submitted);
    }
    return out;
  }

  function isRecorded(udid: string, a: Answered): boolean {
    return commandEventsOf(udid).some(
      (e) => e.type === 'CommandReported' && e.enrollmentId === udid && e.data.commandUuid === a.commandUuid && e.data.status === a.status,
    );
  }

  /** (a) Every report answered 200 is a CommandReported in mdm.command. */
  function assertReportsRecorded(transcript: Transcript): void {
    for (const a of transcript.answered) {
      assert.ok(isRecorded(transcript.udid, a), `${transcript.udid}: ${a.status} ${a.commandUuid ?? ''} was answered 200 but is not in mdm.command`);
    }
  }

  /** (b) Neither the device nor the log saw a command delivered again after its Acknowledged. */
  function assertNoRedelivery(transcript: Transcript): void {
    const acked = new Set<string>();
    for (const a of transcript.answered) {
      if (a.served !== null) assert.ok(!acked.has(a.served), `${transcript.udid}: ${a.served} served again after its Acknowledged got 200`);
      if (a.commandUuid !== null) acked.add(a.commandUuid);
    }
    const ackedInLog = new Set<string>();
    for (const e of commandEventsOf(transcript.udid)) {
      if (e.type === 'CommandReported' && e.data.status === 'Acknowledged' && e.data.commandUuid) ackedInLog.add(e.data.commandUuid);
      if (e.type === 'CommandDelivered') assert.ok(!ackedInLog.has(e.data.commandUuid), `${transcript.udid}: CommandDelivered ${e.data.commandUuid} after its CommandReported Acknowledged`);
    }
  }

  it('SIGKILL of the commands service during a load run: no report lost, no acknowledged command delivered again to that enrollment', async () => {
    const devices = Array.from({ length: DEVICES }, () => h.device());
    const udids = await Promise.all(devices.map((d) => h.enroll(d)));
    const commands = await queueToAll(udids, COMMANDS);
    const transcripts = udids.map(transcriptOf);
    const loops = Promise.all(devices.map((d, i) => deviceLoop(d, transcripts[i], commands)));
    const answered = () => transcripts.reduce((n, t) => n + t.answered.length, 0);
    const total = DEVICES * (COMMANDS + 1);
    await waitUntil('a third of the reports answered', () => answered() >= total / 3, 30_000, 5);
    killedAt = Date.now();
    const restarted = h.restartCommands(undefined, 'SIGKILL');
    assert.ok(answered() < total, 'the kill came before the end');
    await Promise.all([restarted, loops]);

    assert.ok(transcripts.some((t) => t.cutOff > 0), 'the kill cut off requests in flight');
    await h.commandEvents.catchUp();
    for (const t of transcripts) {
      assertReportsRecorded(t);
      assertNoRedelivery(t);
      // (c) Every queued command served once, in FIFO order, then an empty reply.
      assert.deepEqual(t.answered.map((a) => a.served), [...commands.map((c) => c.commandUuid), null], `${t.udid}: served in order`);
    }
    // (d) The projection applied every acknowledgement.
    const expected = udids.flatMap((udid) => commands.map((c) => `${udid}/${c.commandUuid}/Acknowledged`)).sort();
    await waitUntil('the projection applied every report', async () => (await projected(udids)).join() === expected.join(), 20_000);
  });

  /** A device with A and B queued, A in hand: Idle → A. */
  async function deviceHoldingA(): Promise<{ device: SimulatedDevice; udid: string; a: Submitted; b: Submitted }> {
    const device = h.device();
    const udid = await h.enroll(device);
    const [a, b] = await queueToAll([udid], 2);
    const res = await device.report(h.commands.url, idleReport(ids(udid)));
    assert.equal(res.status, 200);
    assert.ok(res.body.equals(a.payload), 'Idle → A');
    return { device, udid, a, b };
  }

  /** Other devices keep reporting, so the service is inside transactions and appends when the outage starts. */
  async function backgroundLoad(count: number): Promise<() => Promise<void>> {
    const devices = Array.from({ length: count }, () => h.device());
    const udids = await Promise.all(devices.map((d) => h.enroll(d)));
    let running = true;
    const loops = devices.map(async (device, i) => {
      while (running) if ((await send(device, idleReport(ids(udids[i]))))?.status !== 200) await sleep(50);
    });
    await sleep(300);
    return async () => {
      running = false;
      await Promise.all(loops);
    };
  }

  /** Acknowledged for A during the outage: a 503 within the catch-up timeout, from a service that is still running. */
  async function refusedDuringOutage(device: SimulatedDevice, udid: string, a: Submitted): Promise<void> {
    const started = Date.now();
    const res = await send(device, acknowledgedReport({ ...ids(udid), commandUuid: a.commandUuid }));
    const took = Date.now() - started;
    if (res === null) {
      const exit = await Promise.race([h.commands.exited, sleep(1_000).then(() => null)]);
      assert.fail(`no answer during the outage; the commands service ${exit ? `exited (${exit.code ?? exit.signal})` : 'still runs'}:\n${h.commands.output().slice(-3_000)}`);
    }
    assert.equal(res.status, 503, 'Acknowledged during the outage');
    assert.ok(took < 10_000, `answered within the catch-up timeout (2 s) and then some, took ${took} ms`);
  }

  /** After the outage the same report succeeds with B, B empties the queue, and both are recorded and projected. */
  async function recoveredAfterOutage(device: SimulatedDevice, udid: string, a: Submitted, b: Submitted): Promise<void> {
    const transcript = transcriptOf(udid);
    const deadline = Date.now() + 30_000;
    const again = await untilAnswered(device, reportBody(udid, a.commandUuid), transcript, deadline);
    assert.equal(again.status, 200);
    assert.ok(again.body.equals(b.payload), `Acknowledged A again → B, got ${again.body.toString()}`);
    const last = await untilAnswered(device, reportBody(udid, b.commandUuid), transcript, deadline);
    assert.equal(last.status, 200);
    assert.equal(last.body.length, 0, 'Acknowledged B → empty');
    transcript.answered.push({ status: 'Acknowledged', commandUuid: a.commandUuid, served: b.commandUuid }, { status: 'Acknowledged', commandUuid: b.commandUuid, served: null });
    await waitUntil('both reports in mdm.command', () => transcript.answered.every((r) => isRecorded(udid, r)), 20_000);
    assertNoRedelivery(transcript);
    const expected = [a, b].map((c) => `${udid}/${c.commandUuid}/Acknowledged`).sort();
    await waitUntil('both acknowledged in the projection', async () => (await projected([udid])).join() === expected.join(), 20_000);
  }

  const running = (svc: ServiceProcess) => svc.child.exitCode === null && svc.child.signalCode === null;

  /** A service an earlier test saw die is replaced, so each test stands on its own. */
  async function servicesRunning(): Promise<void> {
    if (!running(h.checkin)) h.checkin = await h.startService('checkin');
    if (!running(h.commands)) await h.restartCommands();
  }

  /** An outage is answered with 503s, never by the process dying (which would also drop every request in flight). */
  function assertSurvived(): void {
    for (const [name, svc] of [['checkin', h.checkin], ['commands', h.commands]] as const) {
      assert.ok(running(svc), `the ${name} service died during the outage:\n${svc.output().slice(-3_000)}`);
    }
  }

  async function outage(stop: string, start: string): Promise<void> {
    await servicesRunning();
    const { device, udid, a, b } = await deviceHoldingA();
    const stopLoad = await backgroundLoad(5);
    await infraCommand(stop);
    try {
      await refusedDuringOutage(device, udid, a);
    } finally {
      await infraCommand(start);
      await stopLoad();
    }
    assertSurvived();
    await recoveredAfterOutage(device, udid, a, b);
  }

  it('answers 503 while PostgreSQL is down, and the report sent again succeeds with nothing lost', { skip: controls.postgres ? false : 'the database is not the local one' }, () =>
    outage('postgres-stop', 'postgres-start'),
  );

  // No assertion on the refused append's fate: the producer may still deliver it once the broker is back (at-least-once).
  it('answers 503 while Kafka is down, and the report sent again succeeds with nothing lost', { skip: controls.kafka ? false : 'the broker is not the local one' }, () =>
    outage('kafka-stop', 'kafka-start'),
  );
});
