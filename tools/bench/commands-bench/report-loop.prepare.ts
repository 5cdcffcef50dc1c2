import { randomBytes, randomUUID } from 'node:crypto';
import { TOPICS } from '@espalier/contracts/events';
import type { EventLog } from '@espalier/contracts/event-log';
import {
  acknowledgedReport,
  commandPlist,
  idleReport,
  issueDeviceIdentity,
  macosAuthenticate,
  macosTokenUpdate,
  type TestCa,
} from '@espalier/shared/util-testing';
import type { SignedBody } from '../bench-support';
import { signInWorkers, signJob } from './report-signing';

/** One command of the run: submitted once to every device, acknowledged by each. */
export interface BenchCommand {
  readonly commandUuid: string;
  readonly payload: Buffer;
}

/** A device with everything it will send, signed: its enrollment, one Idle, and an Ack per command. */
export interface BenchDevice {
  readonly udid: string;
  /** Its APNs device token (hex), sent in its TokenUpdate. */
  readonly token: string;
  readonly authenticate: SignedBody;
  readonly tokenUpdate: SignedBody;
  readonly idle: SignedBody;
  readonly acks: readonly SignedBody[];
}

export interface PreparedRun {
  readonly devices: readonly BenchDevice[];
  readonly commands: readonly BenchCommand[];
}

/**
 * Command UUIDs all on one partition of mdm.command (CommandSubmitted is
 * keyed by its UUID): the enqueue handler then decides them in submission
 * order, so every device's FIFO order is the order of `commands` and each
 * reply can be checked against it without asking the service.
 */
async function commandsOnOnePartition(log: Pick<EventLog, 'partitionFor'>, count: number): Promise<BenchCommand[]> {
  const commands: BenchCommand[] = [];
  let partition: number | undefined;
  while (commands.length < count) {
    const commandUuid = randomUUID().toUpperCase();
    const p = await log.partitionFor(TOPICS.command, commandUuid);
    partition ??= p;
    if (p !== partition) continue;
    const payload = commandPlist({ commandUuid, requestType: 'DeviceInformation', command: { Queries: ['DeviceName', 'OSVersion', 'SerialNumber'] } });
    commands.push({ commandUuid, payload });
  }
  return commands;
}

/** Identities, bodies and signatures, all before any service starts: none of it may run on the clock. */
export async function prepareRun(
  log: Pick<EventLog, 'partitionFor'>,
  ca: TestCa,
  options: { devices: number; rounds: number; keyType: 'ecdsa' | 'rsa'; threads: number },
): Promise<PreparedRun> {
  const commands = await commandsOnOnePartition(log, options.rounds);
  const plans = Array.from({ length: options.devices }, () => {
    const identity = issueDeviceIdentity(ca, { keyType: options.keyType });
    const udid = randomUUID().toUpperCase();
    const ids = { udid };
    const token = randomBytes(32);
    const bodies = [
      macosAuthenticate({ ids }),
      macosTokenUpdate({ ids, token }),
      idleReport({ ids }),
      ...commands.map((c) => acknowledgedReport({ ids, commandUuid: c.commandUuid, queryResponses: { DeviceName: 'Bench Mac', OSVersion: '15.5', SerialNumber: 'C02BENCH0001' } })),
    ];
    return { udid, token: token.toString('hex'), identity, bodies };
  });
  const signatures = await signInWorkers(
    plans.map((p) => signJob(p.identity, p.bodies)),
    options.threads,
  );
  const devices = plans.map((plan, i): BenchDevice => {
    const signed = plan.bodies.map((body, j) => ({ body, signature: signatures[i][j] }));
    const [authenticate, tokenUpdate, idle, ...acks] = signed;
    return { udid: plan.udid, token: plan.token, authenticate, tokenUpdate, idle, acks };
  });
  return { devices, commands };
}
