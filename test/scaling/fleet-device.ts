import { setTimeout as sleep } from 'node:timers/promises';
import {
  acknowledgedReport,
  idleReport,
  macosAuthenticate,
  macosTokenUpdate,
  notNowReport,
  type DeviceResponse,
  type SimulatedDevice,
} from '@espalier/shared/util-testing';
import type { Submitted } from '../commands/commands-harness';
import { FRONT_ERROR_HEADER } from './routing-front';

/** A request that got no answer from a service: the front's 502 (its upstream connection failed) or a broken connection. */
export interface Failure {
  readonly what: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly why: string;
}

type ReportStatus = 'Idle' | 'Acknowledged' | 'NotNow';

/** A report answered 200, and the command that answer carried (null: an empty body). */
export interface Answered {
  readonly status: ReportStatus;
  readonly commandUuid: string | null;
  readonly served: string | null;
  /** When the answer came (ms since the epoch). */
  readonly at: number;
}

/** Everything one device sent and saw. */
export interface Transcript {
  readonly udid: string;
  readonly answered: Answered[];
  /** Failed requests, each sent again by the device. */
  readonly failures: Failure[];
  /** Answers other than 200 from a service (any of them fails the test). */
  readonly unexpected: string[];
  /** Check-ins answered 200, by message type. */
  readonly checkins: { Authenticate: number; TokenUpdate: number };
  /** Protocol violations seen by the device (a command served again after its Acknowledged got 200…). */
  readonly violations: string[];
}

export interface LoadPlan {
  /** The commands submitted so far (grows while the devices run). */
  readonly commands: readonly Submitted[];
  /** True once no more commands will be submitted. */
  allSubmitted(): boolean;
  /** Whether this device answers NotNow the first time it is handed this command. */
  notNow(udid: string, commandUuid: string): boolean;
  readonly deadline: number;
}

const RETRY_MS = 150;
const POLL_MS = 150;
/** A TokenUpdate (as devices send when their push token or state changes) before every third poll. */
const TOKEN_UPDATE_EVERY = 3;

/**
 * A simulated device talking to the one public origin: check-ins and reports
 * both to `/mdm` (the front tells them apart by Content-Type). Like a real
 * device it sends a request again after a failed connection (and after a
 * 503), and it waits for each answer before its next request.
 */
export class FleetDevice {
  readonly transcript: Transcript;
  private readonly acked = new Set<string>();
  private readonly notNowed = new Set<string>();

  constructor(
    private readonly device: SimulatedDevice,
    readonly udid: string,
    private readonly front: string,
  ) {
    this.transcript = { udid, answered: [], failures: [], unexpected: [], checkins: { Authenticate: 0, TokenUpdate: 0 }, violations: [] };
  }

  async enroll(deadline: number): Promise<void> {
    await this.checkin('Authenticate', macosAuthenticate({ ids: { udid: this.udid } }), deadline);
    await this.checkin('TokenUpdate', macosTokenUpdate({ ids: { udid: this.udid } }), deadline);
  }

  /** Polls (Idle), answers every command it is handed, until every command of the plan is acknowledged. */
  async run(plan: LoadPlan): Promise<void> {
    for (let poll = 0; ; poll++) {
      if (poll % TOKEN_UPDATE_EVERY === TOKEN_UPDATE_EVERY - 1) await this.checkin('TokenUpdate', macosTokenUpdate({ ids: { udid: this.udid } }), plan.deadline);
      let served = await this.report('Idle', null, plan);
      while (served !== null) {
        const status = plan.notNow(this.udid, served) && !this.notNowed.has(served) ? 'NotNow' : 'Acknowledged';
        if (status === 'NotNow') this.notNowed.add(served);
        served = await this.report(status, served, plan);
      }
      if (plan.allSubmitted() && plan.commands.every((c) => this.acked.has(c.commandUuid))) return;
      await sleep(POLL_MS);
    }
  }

  private async checkin(type: 'Authenticate' | 'TokenUpdate', body: Buffer, deadline: number): Promise<void> {
    const res = await this.send(type, () => this.device.checkin(this.front, body), deadline);
    if (res.status !== 200) this.fail(`${type} answered ${res.status}: ${res.body.toString()}`);
    this.transcript.checkins[type] += 1;
  }

  /** One report until answered; returns the CommandUUID of the command the answer carries. */
  private async report(status: ReportStatus, commandUuid: string | null, plan: LoadPlan): Promise<string | null> {
    const body =
      status === 'Idle'
        ? idleReport({ ids: { udid: this.udid } })
        : status === 'NotNow'
          ? notNowReport({ ids: { udid: this.udid }, commandUuid: commandUuid as string })
          : acknowledgedReport({ ids: { udid: this.udid }, commandUuid: commandUuid as string });
    const what = `${status} ${commandUuid ?? ''}`.trim();
    const res = await this.send(what, () => this.device.report(this.front, body), plan.deadline);
    if (res.status !== 200) this.fail(`${what} answered ${res.status}: ${res.body.toString()}`);
    const served = res.body.length === 0 ? null : this.identify(res.body, plan.commands);
    if (served !== null && this.acked.has(served)) this.transcript.violations.push(`${served} served again after its Acknowledged got 200`);
    if (status === 'Acknowledged') this.acked.add(commandUuid as string);
    this.transcript.answered.push({ status, commandUuid, served, at: Date.now() });
    return served;
  }

  /** Sends until a service answers; the front's 502s and broken connections are recorded and retried, 503s too (and recorded as unexpected). */
  private async send(what: string, request: () => Promise<DeviceResponse>, deadline: number): Promise<DeviceResponse> {
    for (;;) {
      if (Date.now() > deadline) this.fail(`${what}: no answer before the deadline`);
      const startedAt = Date.now();
      let why: string;
      try {
        const res = await request();
        const frontError = res.headers.get(FRONT_ERROR_HEADER);
        if (frontError === null && res.status !== 503) return res;
        why = frontError ?? '503';
        if (frontError === null) this.transcript.unexpected.push(`${what}: 503 ${res.body.toString()}`);
      } catch (error) {
        why = `connection: ${String((error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message)}`;
      }
      this.transcript.failures.push({ what, startedAt, endedAt: Date.now(), why });
      await sleep(RETRY_MS);
    }
  }

  private identify(body: Buffer, commands: readonly Submitted[]): string {
    const found = commands.find((c) => c.payload.equals(body));
    if (!found) this.fail(`served bytes that are no submitted command: ${body.toString().slice(0, 200)}`);
    return found.commandUuid;
  }

  private fail(message: string): never {
    this.transcript.unexpected.push(message);
    throw new Error(`${this.udid}: ${message}`);
  }
}
