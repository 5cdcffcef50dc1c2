import type { EnrollmentIds } from './enrollment-ids';

/**
 * Check-in messages as NanoMDM decodes them (§4; Apple's "Check-in"
 * protocol, https://developer.apple.com/documentation/devicemanagement/check-in).
 * Strings and data NanoMDM requires but Go would leave at their zero value
 * when absent are '' / an empty Buffer here, never a stricter rejection.
 * The exact request bytes are not part of the message: the caller keeps them.
 */
export const CHECKIN_MESSAGE_TYPES = [
  'Authenticate',
  'TokenUpdate',
  'CheckOut',
  'UserAuthenticate',
  'SetBootstrapToken',
  'GetBootstrapToken',
  'DeclarativeManagement',
  'GetToken',
] as const;
export type CheckinMessageType = (typeof CHECKIN_MESSAGE_TYPES)[number];

interface Base<T extends CheckinMessageType> {
  readonly messageType: T;
  readonly ids: EnrollmentIds;
}

export const DEVICE_FACT_KEYS = ['model', 'modelName', 'deviceName', 'osVersion', 'buildVersion', 'productName', 'imei', 'meid'] as const;
/**
 * Informational device facts from Authenticate. NanoMDM keeps them only in
 * the raw bytes, so a fact with an unexpected type is dropped (undefined),
 * never an error. Every key is present so consumers can copy the record.
 */
export type DeviceFacts = { readonly [K in (typeof DEVICE_FACT_KEYS)[number]]: string | undefined };

export interface Authenticate extends Base<'Authenticate'> {
  readonly topic: string;
  readonly serialNumber?: string;
  readonly device: DeviceFacts;
}

export interface TokenUpdate extends Base<'TokenUpdate'> {
  readonly topic: string;
  readonly pushMagic: string;
  readonly token: Buffer;
  /** Present only when non-empty (Go: `omitempty`, and storage checks the length). */
  readonly unlockToken?: Buffer;
  /** Informational: NanoMDM does not decode it; a non-boolean is ignored. */
  readonly awaitingConfiguration?: boolean;
}

export type CheckOut = Base<'CheckOut'>;

export interface UserAuthenticate extends Base<'UserAuthenticate'> {
  readonly digestResponse?: string;
}

export interface SetBootstrapToken extends Base<'SetBootstrapToken'> {
  /** Empty when absent or zero-length: both mean "remove the escrowed token" (§6.5). */
  readonly bootstrapToken: Buffer;
}

export type GetBootstrapToken = Base<'GetBootstrapToken'>;

export interface DeclarativeManagement extends Base<'DeclarativeManagement'> {
  readonly endpoint: string;
  readonly data?: Buffer;
}

export interface GetTokenParameters {
  readonly phoneUdid?: string;
  readonly securityToken?: string;
  readonly watchUdid?: string;
}

export interface GetToken extends Base<'GetToken'> {
  readonly tokenServiceType: string;
  readonly tokenParameters?: GetTokenParameters;
}

export type CheckinMessage =
  | Authenticate
  | TokenUpdate
  | CheckOut
  | UserAuthenticate
  | SetBootstrapToken
  | GetBootstrapToken
  | DeclarativeManagement
  | GetToken;
