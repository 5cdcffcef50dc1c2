import type { EnrollmentType } from '@espalier/contracts/events';

/** How the request's certificate relates to cert-auth associations (§8.4); null without a certificate (migration). */
export type CertificateUse = { readonly hash: string; readonly association: 'existing' | 'new' | 'retroactive' } | null;

interface FactBase {
  readonly enrollmentId: string;
  readonly deviceChannelId: string;
  readonly certificate: CertificateUse;
  /** The exact request bytes. */
  readonly raw: Buffer;
}

/**
 * What an accepted check-in established, before it becomes an event: secrets
 * are still plain here and are sealed when the event is built, so this
 * module stays free of keys and crypto.
 */
export type CheckinFact =
  | (FactBase & {
      readonly type: 'EnrollmentAuthenticated';
      readonly enrollmentType: EnrollmentType;
      readonly topic: string;
      readonly udid?: string;
      readonly serialNumber?: string;
      readonly device: Readonly<Record<'model' | 'modelName' | 'productName' | 'osVersion' | 'buildVersion' | 'deviceName' | 'imei' | 'meid', string | undefined>>;
    })
  | (FactBase & {
      readonly type: 'TokenUpdated';
      readonly enrollmentType: EnrollmentType;
      readonly parentId: string | null;
      readonly userShortName?: string;
      readonly userLongName?: string;
      readonly pushTopic: string;
      readonly tokenHex: string;
      readonly pushMagic: string;
      readonly unlockToken?: Buffer;
      readonly awaitingConfiguration?: boolean;
    })
  | (FactBase & { readonly type: 'EnrollmentCheckedOut' })
  | (FactBase & { readonly type: 'UserAuthenticated'; readonly digestResponse: boolean; readonly stored: boolean; readonly userShortName?: string; readonly userLongName?: string })
  | (FactBase & { readonly type: 'BootstrapTokenSet'; readonly token: Buffer | null })
  | (FactBase & { readonly type: 'BootstrapTokenRetrieved'; readonly found: boolean })
  | (FactBase & { readonly type: 'DeclarativeManagementRequested'; readonly endpoint: string })
  | (FactBase & { readonly type: 'TokenRequested'; readonly tokenServiceType: string });

/** What the device gets back when the check-in is accepted. */
export type ReplySpec =
  | { readonly kind: 'empty' }
  | { readonly kind: 'digest-challenge' }
  /** The escrowed token, or an empty body when none (§6.6). */
  | { readonly kind: 'bootstrap-token' }
  /** The Declarative Management server's answer (§6.7, §11.1). */
  | { readonly kind: 'declarative-management'; readonly endpoint: string; readonly data?: Buffer }
  /** A GetToken handler's TokenData (§6.8). */
  | { readonly kind: 'token'; readonly tokenServiceType: string };

export type CheckinDecision =
  | { readonly kind: 'accept'; readonly fact: CheckinFact; readonly reply: ReplySpec }
  | { readonly kind: 'reject'; readonly status: 400 | 410 | 500; readonly reason: string };
