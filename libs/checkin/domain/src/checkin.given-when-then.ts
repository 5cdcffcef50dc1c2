// Test-only: given (projection state) → when (a check-in) → then (the decision), for
// decideCheckin specs. Not exported from index.ts.
import { decodeCheckin, resolveEnrollment, type CheckinMessage } from '@espalier/mdm/protocol';
import type { CertificateUse, CheckinDecision, CheckinFact, ReplySpec } from './checkin-fact';
import type { CheckinOptions, CheckinState } from './checkin-state';
import { decideCheckin, type CheckinCommand } from './checkin.decider';

/** The certificate every check-in below is signed with, unless a case says otherwise. */
export const CERT_HASH = 'c0'.repeat(32);

type Association = NonNullable<CheckinState['association']>;

/** Cert-auth facts as the reader returns them (§8.4). */
export const association = {
  /** (device, hash) is stored. */
  withDevice: (deviceId: string): Association => ({ withThisDevice: true, hashOwners: [deviceId], deviceHasAny: true }),
  /** Neither the hash nor the device has any association (a migrated enrollment). */
  none: (): Association => ({ withThisDevice: false, hashOwners: [], deviceHasAny: false }),
  /** The hash belongs to other devices only. */
  ownedBy: (...owners: string[]): Association => ({ withThisDevice: false, hashOwners: owners, deviceHasAny: false }),
  /** The device enrolled with another certificate; this hash is unknown. */
  deviceHasOther: (): Association => ({ withThisDevice: false, hashOwners: [], deviceHasAny: true }),
};

/** A check-in as the service hands it to the decider: a real body, decoded and resolved. */
export function checkin(body: Buffer, options: { certificateHash?: string | null; edit?: (m: CheckinMessage) => CheckinMessage } = {}): CheckinCommand {
  const decoded = decodeCheckin(body);
  const message = options.edit ? options.edit(decoded) : decoded;
  return { message, enrollment: resolveEnrollment(message.ids), certificateHash: options.certificateHash === undefined ? CERT_HASH : options.certificateHash, raw: body };
}

export const STOCK_OPTIONS: CheckinOptions = {
  retro: false,
  uaZeroLengthDigestChallenge: false,
  declarativeManagement: false,
  hasTokenHandler: () => false,
};

export interface Scenario {
  readonly name: string;
  /** Defaults: device known, no bootstrap token, certificate associated with the command's device. */
  readonly given?: Partial<CheckinState>;
  readonly options?: Partial<CheckinOptions>;
  readonly when: CheckinCommand;
  readonly then: CheckinDecision;
}

export function stateFor(command: CheckinCommand, given: Partial<CheckinState> = {}): CheckinState {
  return {
    deviceKnown: true,
    hasBootstrapToken: false,
    association: command.certificateHash === null ? null : association.withDevice(command.enrollment.deviceChannelId),
    ...given,
  };
}

export function decide(scenario: Pick<Scenario, 'given' | 'options' | 'when'>): CheckinDecision {
  return decideCheckin(scenario.when, stateFor(scenario.when, scenario.given), { ...STOCK_OPTIONS, ...scenario.options });
}

type FactBody = CheckinFact extends infer F ? (F extends CheckinFact ? Omit<F, 'enrollmentId' | 'deviceChannelId' | 'certificate' | 'raw'> : never) : never;

/** The expected acceptance, with the enrollment written out by the test. */
export function accepted(
  on: { readonly enrollmentId: string; readonly deviceChannelId: string; readonly raw: Buffer },
  certificate: CertificateUse,
  fact: FactBody,
  reply: ReplySpec = { kind: 'empty' },
): CheckinDecision {
  return { kind: 'accept', fact: { enrollmentId: on.enrollmentId, deviceChannelId: on.deviceChannelId, certificate, raw: on.raw, ...fact } as CheckinFact, reply };
}

export function rejected(status: 400 | 410 | 500, reason: string): CheckinDecision {
  return { kind: 'reject', status, reason };
}

/** The certificate use of a check-in that was already associated. */
export const existing: CertificateUse = { hash: CERT_HASH, association: 'existing' };
