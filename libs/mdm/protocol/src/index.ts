export { ProtocolError } from './protocol.error';
export { parsePlist, parsePlistDict } from './plist/parse-plist';
export type { PlistArray, PlistDict, PlistValue } from './plist/plist-value';
export type { EnrollmentIds } from './checkin/enrollment-ids';
export {
  CHECKIN_MESSAGE_TYPES,
  DEVICE_FACT_KEYS,
  type Authenticate,
  type CheckinMessage,
  type CheckinMessageType,
  type CheckOut,
  type DeclarativeManagement,
  type DeviceFacts,
  type GetBootstrapToken,
  type GetToken,
  type GetTokenParameters,
  type SetBootstrapToken,
  type TokenUpdate,
  type UserAuthenticate,
} from './checkin/checkin-message';
export { decodeCheckin } from './checkin/decode-checkin';
export { validateGetToken } from './checkin/get-token.validator';
export { decodeCommandReport, type CommandReport, type ErrorChainItem } from './command/command-report';
export { decodeEnqueuedCommand, type EnqueuedCommand } from './command/enqueued-command';
export {
  ENROLLMENT_TYPES,
  SHARED_IPAD_USER_ID,
  resolveEnrollment,
  type EnrollmentType,
  type ResolvedEnrollment,
} from './enrollment/resolve-enrollment';
export { bootstrapTokenReply, digestChallengeReply, tokenDataReply } from './reply/replies';
