import type { CheckinMessage, ResolvedEnrollment } from '@espalier/mdm/protocol';
import { decideAssociation } from '@espalier/mdm/device-auth';
import type { CertificateUse, CheckinDecision, CheckinFact, ReplySpec } from './checkin-fact';
import type { CheckinOptions, CheckinState } from './checkin-state';

export interface CheckinCommand {
  readonly message: CheckinMessage;
  readonly enrollment: ResolvedEnrollment;
  /** The verified identity certificate's hash; null only for migration check-ins. */
  readonly certificateHash: string | null;
  readonly raw: Buffer;
}

const reject = (status: 400 | 410 | 500, reason: string): CheckinDecision => ({ kind: 'reject', status, reason });

/**
 * The check-in rules of NanoMDM (§6, §8.4) as a pure function: given the
 * request and what the service's projection knows, accept (one fact, one
 * reply) or reject (a status and why). Nothing is written on reject.
 */
export function decideCheckin(command: CheckinCommand, state: CheckinState, options: CheckinOptions): CheckinDecision {
  const certificate = certificateUse(command, state, options);
  if ('reject' in certificate) return certificate.reject;
  return decideMessage(command, state, options, certificate.use);
}

function certificateUse(command: CheckinCommand, state: CheckinState, options: CheckinOptions): { use: CertificateUse } | { reject: CheckinDecision } {
  if (command.certificateHash === null || state.association === null) return { use: null };
  const decision = decideAssociation({
    isAuthenticate: command.message.messageType === 'Authenticate',
    deviceChannelId: command.enrollment.deviceChannelId,
    certHash: command.certificateHash,
    associatedWithThisDevice: state.association.withThisDevice,
    hashOwners: state.association.hashOwners,
    deviceHasAnyAssociation: state.association.deviceHasAny,
    retro: options.retro,
  });
  if (decision.outcome === 'reject') return { reject: reject(500, `cert auth: ${decision.reason}`) };
  const association = decision.outcome === 'ok' ? 'existing' : decision.retroactive ? 'retroactive' : 'new';
  return { use: { hash: command.certificateHash, association } };
}

function decideMessage(command: CheckinCommand, state: CheckinState, options: CheckinOptions, certificate: CertificateUse): CheckinDecision {
  const { message, enrollment, raw } = command;
  const base = { enrollmentId: enrollment.id, deviceChannelId: enrollment.deviceChannelId, certificate, raw };
  const accept = (fact: CheckinFact, reply: ReplySpec = { kind: 'empty' }): CheckinDecision => ({ kind: 'accept', fact, reply });
  const isUserChannel = enrollment.parentId !== null;
  switch (message.messageType) {
    case 'Authenticate':
      return accept({
        ...base,
        type: 'EnrollmentAuthenticated',
        enrollmentType: enrollment.type,
        topic: message.topic,
        udid: message.ids.udid || undefined,
        serialNumber: message.serialNumber || undefined,
        device: message.device,
      });
    case 'TokenUpdate':
      // NanoMDM's SQL storage needs the device row an Authenticate created (§6.2).
      if (!state.deviceKnown) return reject(500, `token update: device ${enrollment.deviceChannelId} has not authenticated`);
      // Its enrollments table refuses empty push data (CHECK constraints): a storage error, 500.
      if (!message.topic || !message.pushMagic || message.token.length === 0) return reject(500, 'token update: Topic, PushMagic and Token are required');
      return accept({
        ...base,
        type: 'TokenUpdated',
        enrollmentType: enrollment.type,
        parentId: enrollment.parentId,
        userShortName: enrollment.userShortName,
        userLongName: enrollment.userLongName,
        pushTopic: message.topic,
        tokenHex: message.token.toString('hex'),
        pushMagic: message.pushMagic,
        unlockToken: !isUserChannel && message.unlockToken && message.unlockToken.length > 0 ? message.unlockToken : undefined,
        awaitingConfiguration: message.awaitingConfiguration,
      });
    case 'CheckOut':
      // As NanoMDM's SQL storage: only a device channel can be disabled (§6.3).
      if (isUserChannel) return reject(500, 'check out: can only disable a device channel');
      return accept({ ...base, type: 'EnrollmentCheckedOut' });
    case 'UserAuthenticate':
      return decideUserAuthenticate(command, state, options, base);
    case 'SetBootstrapToken':
      return accept({ ...base, type: 'BootstrapTokenSet', token: message.bootstrapToken.length > 0 ? message.bootstrapToken : null });
    case 'GetBootstrapToken':
      if (isUserChannel || !state.deviceKnown) return reject(500, `get bootstrap token: no device ${enrollment.id}`);
      return accept({ ...base, type: 'BootstrapTokenRetrieved', found: state.hasBootstrapToken }, { kind: 'bootstrap-token' });
    case 'DeclarativeManagement':
      if (!options.declarativeManagement) return reject(500, 'declarative management: no -dm server configured');
      return accept({ ...base, type: 'DeclarativeManagementRequested', endpoint: message.endpoint }, { kind: 'declarative-management', endpoint: message.endpoint, data: message.data });
    case 'GetToken':
      if (!options.hasTokenHandler(message.tokenServiceType)) return reject(500, `get token: no handler for TokenServiceType "${message.tokenServiceType}"`);
      return accept({ ...base, type: 'TokenRequested', tokenServiceType: message.tokenServiceType }, { kind: 'token', tokenServiceType: message.tokenServiceType });
    default:
      return assertNever(message);
  }
}

/** §6.4: declined by default; with -ua-zl-dc stored and answered with a zero-length DigestChallenge. */
function decideUserAuthenticate(
  command: CheckinCommand,
  state: CheckinState,
  options: CheckinOptions,
  base: Pick<CheckinFact, 'enrollmentId' | 'deviceChannelId' | 'certificate' | 'raw'>,
): CheckinDecision {
  const message = command.message as Extract<CheckinMessage, { messageType: 'UserAuthenticate' }>;
  const digestResponse = (message.digestResponse ?? '') !== '';
  const fact: CheckinFact = {
    ...base,
    type: 'UserAuthenticated',
    digestResponse,
    // Only the -ua-zl-dc mode stores UserAuthenticate (§6.4); the default mode answers and forgets.
    stored: options.uaZeroLengthDigestChallenge,
    userShortName: command.enrollment.userShortName,
    userLongName: command.enrollment.userLongName,
  };
  if (!options.uaZeroLengthDigestChallenge) {
    if (!digestResponse) return reject(410, 'user authenticate: declined (no DigestResponse)');
    return { kind: 'accept', fact, reply: { kind: 'empty' } };
  }
  if (!state.deviceKnown) return reject(500, `user authenticate: device ${command.enrollment.deviceChannelId} has not authenticated`);
  return { kind: 'accept', fact, reply: digestResponse ? { kind: 'empty' } : { kind: 'digest-challenge' } };
}

function assertNever(value: never): never {
  throw new Error(`deciding check-in: unhandled message ${JSON.stringify(value)}`);
}
