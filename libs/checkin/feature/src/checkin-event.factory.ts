import { createEvent, type EspalierEvent } from '@espalier/contracts/events';
import type { CheckinFact } from '@espalier/checkin/domain';
import type { SecretBox } from '@espalier/shared/util-crypto';

export interface EventContext {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly correlationId: string;
}

/**
 * Turns an accepted check-in into its one event. Secrets (unlock and
 * bootstrap tokens, and the raw requests that carry them) are sealed here,
 * before anything reaches the log. The AAD binds each secret to its
 * enrollment, so a sealed token cannot be replayed onto another device.
 */
export function checkinEvent(fact: CheckinFact, box: SecretBox, ctx: EventContext): EspalierEvent {
  const meta = { ...ctx, enrollmentId: fact.enrollmentId, deviceId: fact.deviceChannelId, source: 'checkin' as const, causationId: null };
  const raw = fact.raw.toString('base64');
  const seal = (b: Buffer) => box.seal(b, fact.enrollmentId);
  const common = { certificate: fact.certificate };
  switch (fact.type) {
    case 'EnrollmentAuthenticated':
      return createEvent(
        'EnrollmentAuthenticated',
        { ...common, enrollmentType: fact.enrollmentType, udid: fact.udid, serialNumber: fact.serialNumber, topic: fact.topic, ...definedOnly(fact.device), raw },
        meta,
      ) as EspalierEvent;
    case 'TokenUpdated':
      return createEvent(
        'TokenUpdated',
        {
          ...common,
          enrollmentType: fact.enrollmentType,
          parentId: fact.parentId,
          userShortName: fact.userShortName,
          userLongName: fact.userLongName,
          pushTopic: fact.pushTopic,
          token: fact.tokenHex,
          pushMagic: fact.pushMagic,
          unlockToken: fact.unlockToken ? seal(fact.unlockToken) : undefined,
          awaitingConfiguration: fact.awaitingConfiguration,
          raw: seal(fact.raw),
        },
        meta,
      ) as EspalierEvent;
    case 'EnrollmentCheckedOut':
      return createEvent('EnrollmentCheckedOut', { ...common, raw }, meta) as EspalierEvent;
    case 'UserAuthenticated':
      return createEvent(
        'UserAuthenticated',
        { ...common, digestResponse: fact.digestResponse, stored: fact.stored, userShortName: fact.userShortName, userLongName: fact.userLongName, raw },
        meta,
      ) as EspalierEvent;
    case 'BootstrapTokenSet':
      return createEvent('BootstrapTokenSet', { ...common, token: fact.token ? seal(fact.token) : null, raw: seal(fact.raw) }, meta) as EspalierEvent;
    case 'BootstrapTokenRetrieved':
      return createEvent('BootstrapTokenRetrieved', { ...common, found: fact.found, raw }, meta) as EspalierEvent;
    case 'DeclarativeManagementRequested':
      return createEvent('DeclarativeManagementRequested', { ...common, endpoint: fact.endpoint, raw }, meta) as EspalierEvent;
    case 'TokenRequested':
      return createEvent('TokenRequested', { ...common, tokenServiceType: fact.tokenServiceType, raw }, meta) as EspalierEvent;
  }
}

function definedOnly<T extends Record<string, string | undefined>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}
