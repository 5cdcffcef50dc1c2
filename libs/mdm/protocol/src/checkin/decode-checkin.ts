import { badRequest } from '../protocol.error';
import { parsePlistDict } from '../plist/parse-plist';
import type { PlistDict } from '../plist/plist-value';
import type { Authenticate, CheckinMessage, CheckinMessageType, DeviceFacts, GetToken, TokenUpdate } from './checkin-message';
import { CHECKIN_MESSAGE_TYPES } from './checkin-message';
import { readEnrollmentIds, type EnrollmentIds } from './enrollment-ids';
import { field, informational } from '../plist/plist-fields';

const CONTEXT = 'decoding check-in';
const str = (dict: PlistDict, key: string) => field(dict, key, 'string', CONTEXT);
const data = (dict: PlistDict, key: string) => field(dict, key, 'data', CONTEXT);

/**
 * Decodes a check-in body (XML or binary plist) exactly as NanoMDM does (§4):
 * exact, case-sensitive keys; unknown keys ignored; a known key of the wrong
 * plist type, a non-dict body or a missing/unknown MessageType → ProtocolError 400.
 */
export function decodeCheckin(body: Buffer): CheckinMessage {
  const dict = parsePlistDict(body, CONTEXT);
  const messageType = str(dict, 'MessageType') ?? '';
  if (!isCheckinMessageType(messageType)) throw badRequest(`${CONTEXT}: unrecognized MessageType ${JSON.stringify(messageType)}`);
  return decoders[messageType](dict, readEnrollmentIds(dict, CONTEXT));
}

function isCheckinMessageType(value: string): value is CheckinMessageType {
  return (CHECKIN_MESSAGE_TYPES as readonly string[]).includes(value);
}

type Decoders = { readonly [T in CheckinMessageType]: (dict: PlistDict, ids: EnrollmentIds) => Extract<CheckinMessage, { messageType: T }> };

const decoders: Decoders = {
  Authenticate: decodeAuthenticate,
  TokenUpdate: decodeTokenUpdate,
  CheckOut: (_dict, ids) => ({ messageType: 'CheckOut', ids }),
  UserAuthenticate: (dict, ids) => withOptional({ messageType: 'UserAuthenticate' as const, ids }, { digestResponse: str(dict, 'DigestResponse') }),
  SetBootstrapToken: (dict, ids) => ({ messageType: 'SetBootstrapToken', ids, bootstrapToken: data(dict, 'BootstrapToken') ?? Buffer.alloc(0) }),
  GetBootstrapToken: (_dict, ids) => ({ messageType: 'GetBootstrapToken', ids }),
  DeclarativeManagement: (dict, ids) =>
    withOptional({ messageType: 'DeclarativeManagement' as const, ids, endpoint: str(dict, 'Endpoint') ?? '' }, { data: data(dict, 'Data') }),
  GetToken: decodeGetToken,
};

function decodeAuthenticate(dict: PlistDict, ids: EnrollmentIds): Authenticate {
  const fact = (key: string) => informational(dict, key, 'string');
  const device: DeviceFacts = {
    model: fact('Model'),
    modelName: fact('ModelName'),
    deviceName: fact('DeviceName'),
    osVersion: fact('OSVersion'),
    buildVersion: fact('BuildVersion'),
    productName: fact('ProductName'),
    imei: fact('IMEI'),
    meid: fact('MEID'),
  };
  const topic = str(dict, 'Topic') ?? '';
  return withOptional({ messageType: 'Authenticate' as const, ids, topic, device }, { serialNumber: str(dict, 'SerialNumber') });
}

function decodeTokenUpdate(dict: PlistDict, ids: EnrollmentIds): TokenUpdate {
  const unlockToken = data(dict, 'UnlockToken');
  return withOptional(
    {
      messageType: 'TokenUpdate' as const,
      ids,
      topic: str(dict, 'Topic') ?? '',
      pushMagic: str(dict, 'PushMagic') ?? '',
      token: data(dict, 'Token') ?? Buffer.alloc(0),
    },
    {
      unlockToken: unlockToken && unlockToken.length > 0 ? unlockToken : undefined,
      awaitingConfiguration: informational(dict, 'AwaitingConfiguration', 'boolean'),
    },
  );
}

function decodeGetToken(dict: PlistDict, ids: EnrollmentIds): GetToken {
  const parameters = field(dict, 'TokenParameters', 'dict', CONTEXT);
  const tokenParameters =
    parameters &&
    withOptional(
      {},
      {
        phoneUdid: str(parameters, 'PhoneUDID'),
        securityToken: str(parameters, 'SecurityToken'),
        watchUdid: str(parameters, 'WatchUDID'),
      },
    );
  return withOptional({ messageType: 'GetToken' as const, ids, tokenServiceType: str(dict, 'TokenServiceType') ?? '' }, { tokenParameters });
}

/** Adds only the optional fields that are present, so decoded messages carry no `key: undefined`. */
function withOptional<T extends object, O extends object>(required: T, optional: O): T & Partial<O> {
  const present = Object.entries(optional).filter(([, value]) => value !== undefined);
  return { ...required, ...Object.fromEntries(present) } as T & Partial<O>;
}
