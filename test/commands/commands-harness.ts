import { randomUUID } from 'node:crypto';
import { createEvent, encodeEvent, TOPICS, type EventOf } from '@espalier/contracts/events';
import { uuidv7 } from '@espalier/shared/util-ids';
import { commandPlist, macosAuthenticate, macosTokenUpdate, type FixtureIds, type SimulatedDevice } from '@espalier/shared/util-testing';
import type { ServiceProcess } from '../services/service-process';
import { EventCollector, openCheckinHarness, type CheckinHarness } from '../checkin/checkin-harness';

export interface Submitted {
  readonly commandUuid: string;
  readonly requestType: string;
  readonly payload: Buffer;
  readonly submissionId: string;
}

export interface CommandsHarness extends CheckinHarness {
  /** mdm.command from the harness's start. */
  readonly commandEvents: EventCollector;
  checkin: ServiceProcess;
  commands: ServiceProcess;
  /** A device enrolled through the real checkin service (Authenticate + TokenUpdate → 200). */
  enroll(device: SimulatedDevice, udid?: string): Promise<string>;
  /** What api will do: append CommandSubmitted for these enrollments (the command's exact bytes). */
  submit(targets: readonly string[], options?: { commandUuid?: string; requestType?: string; payload?: Buffer; noPush?: boolean }): Promise<Submitted>;
  /** The decision for a submission: its CommandQueued events, or its CommandRejected. */
  decision(submissionId: string, targets: number): Promise<{ queued: EventOf<'CommandQueued'>[]; rejected?: EventOf<'CommandRejected'> }>;
  /** Until the commands service queued the submission to every target (its CommandQueued events are in the log). */
  queued(submitted: Submitted, targets: number): Promise<void>;
  /** Stops the commands process (SIGTERM: a clean shutdown; SIGKILL: a crash) and starts a new one. */
  restartCommands(env?: Record<string, string>, signal?: 'SIGTERM' | 'SIGKILL'): Promise<ServiceProcess>;
}

/**
 * Every commands process of every spec file joins the same projection group, so a file that
 * starts, stops or kills one moves partitions under the others: while the group rebalances, a
 * report waits for its fence. Devices in these tests wait up to 30 s instead of the default 5 s
 * before getting a 503; specs about 503s set their own timeout.
 */
const TEST_CATCH_UP_TIMEOUT = { ESPALIER_CATCH_UP_TIMEOUT: '30s' };

export async function openCommandsHarness(extraEnv: Record<string, string> = {}): Promise<CommandsHarness> {
  const commandsEnv = { ...TEST_CATCH_UP_TIMEOUT, ...extraEnv };
  const base = await openCheckinHarness();
  const commandEvents = new EventCollector(base.log, TOPICS.command);
  await commandEvents.start();
  const [checkin, commands] = await Promise.all([base.startService('checkin', TEST_CATCH_UP_TIMEOUT), base.startService('commands', commandsEnv)]);
  const decided = (submissionId: string) =>
    commandEvents.records
      .map((r) => JSON.parse((r.value as Buffer).toString('utf8')) as EventOf<'CommandQueued'> | EventOf<'CommandRejected'>)
      .filter((e) => e.causationId === submissionId);
  const h: CommandsHarness = Object.assign(base, {
    commandEvents,
    checkin,
    commands,
    async enroll(device: SimulatedDevice, udid = randomUUID().toUpperCase()) {
      const ids: FixtureIds = { udid };
      for (const body of [macosAuthenticate({ ids }), macosTokenUpdate({ ids })]) {
        const res = await device.checkin(h.checkin.url, body);
        if (res.status !== 200) throw new Error(`enrolling ${udid}: check-in answered ${res.status}`);
      }
      return udid;
    },
    async submit(targets: readonly string[], options: { commandUuid?: string; requestType?: string; payload?: Buffer; noPush?: boolean } = {}) {
      const commandUuid = options.commandUuid ?? randomUUID().toUpperCase();
      const requestType = options.requestType ?? 'DeviceInformation';
      const payload = options.payload ?? commandPlist({ commandUuid, requestType, command: { Queries: ['DeviceName', 'OSVersion'] } });
      const event = createEvent(
        'CommandSubmitted',
        { commandUuid, requestType, payload: payload.toString('base64'), enrollmentIds: [...targets], noPush: options.noPush ?? false },
        { eventId: uuidv7(), occurredAt: new Date().toISOString(), enrollmentId: null, deviceId: null, source: 'api', correlationId: uuidv7(), causationId: null },
      );
      await base.log.appender.append([encodeEvent(event)]);
      return { commandUuid, requestType, payload, submissionId: event.eventId };
    },
    async decision(submissionId: string, targets: number) {
      const deadline = Date.now() + 30_000;
      for (;;) {
        const events = decided(submissionId);
        const rejected = events.find((e): e is EventOf<'CommandRejected'> => e.type === 'CommandRejected');
        const queued = events.filter((e): e is EventOf<'CommandQueued'> => e.type === 'CommandQueued');
        if (rejected || queued.length >= targets) return { queued, rejected };
        if (Date.now() > deadline) throw new Error(`no decision for submission ${submissionId} (${queued.length}/${targets} queued)`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async queued(submitted: Submitted, targets: number) {
      const { rejected } = await h.decision(submitted.submissionId, targets);
      if (rejected) throw new Error(`submission ${submitted.submissionId} was rejected: ${rejected.data.reason}: ${rejected.data.detail}`);
    },
    async restartCommands(env: Record<string, string> = commandsEnv, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM') {
      h.commands.child.kill(signal);
      await h.commands.exited;
      h.commands = await base.startService('commands', env);
      return h.commands;
    },
  });
  const close = base.close.bind(base);
  h.close = async () => {
    await commandEvents.stop();
    await close();
  };
  return h;
}
