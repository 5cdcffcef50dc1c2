import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  checkOut,
  declarativeManagement,
  FIXTURE_IDS,
  FIXTURE_TOPIC,
  getBootstrapToken,
  getToken,
  iosAuthenticate,
  iosTokenUpdate,
  macosAuthenticate,
  macosTokenUpdate,
  macosUserAuthenticate,
  macosUserTokenUpdate,
  setBootstrapToken,
  sharedIpadUserTokenUpdate,
  userEnrollmentAuthenticate,
  userEnrollmentUserTokenUpdate,
} from '@espalier/shared/util-testing';
import type { CheckinMessage } from '@espalier/mdm/protocol';
import type { CheckinCommand } from './checkin.decider';
import type { ReplySpec } from './checkin-fact';
import { accepted, association, CERT_HASH, checkin, decide, existing, rejected, stateFor, STOCK_OPTIONS, type Scenario } from './checkin.given-when-then';

const MAC = FIXTURE_IDS.macosDevice.udid;
const MAC_USER = `${MAC}:${FIXTURE_IDS.macosUser.userId}`;
const IOS = FIXTURE_IDS.iosDevice.udid;
const UE = FIXTURE_IDS.userEnrollmentDevice.enrollmentId;
const UE_USER = `${UE}:${FIXTURE_IDS.userEnrollmentUser.enrollmentUserId}`;
const IPAD = FIXTURE_IDS.sharedIpadUser.udid;
const IPAD_USER = `${IPAD}:${FIXTURE_IDS.sharedIpadUser.userShortName}`;
const OTHER = 'OTHER-DEVICE';

const TOKEN = Buffer.from('0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9', 'hex');
const MAGIC = '8C1D1B3E-0F4A-4C2B-9D8E-7A6B5C4D3E2F';
const UNLOCK = Buffer.from([0x00, 0xff, 0x10, 0x80, 0x7f]);
const BOOTSTRAP = Buffer.from([0xb0, 0x07, 0x00, 0x5e]);

const on = (command: CheckinCommand, enrollmentId: string, deviceChannelId: string) => ({ enrollmentId, deviceChannelId, raw: command.raw });
const cert = (association: 'existing' | 'new' | 'retroactive') => ({ hash: CERT_HASH, association });

// --- when: real check-in bodies -------------------------------------------------------------
const macAuthenticate = checkin(macosAuthenticate());
const macAuthenticateNoCert = checkin(macosAuthenticate(), { certificateHash: null });
const macAuthenticateNoSerial = checkin(macosAuthenticate({ serialNumber: '' }));
const iosAuth = checkin(iosAuthenticate());
const ueAuthenticate = checkin(userEnrollmentAuthenticate());
const macTokenUpdate = checkin(macosTokenUpdate({ token: TOKEN, pushMagic: MAGIC }));
const macTokenUpdateNoCert = checkin(macosTokenUpdate({ token: TOKEN, pushMagic: MAGIC }), { certificateHash: null });
const iosTokenUpdateUnlock = checkin(iosTokenUpdate({ token: TOKEN, pushMagic: MAGIC, unlockToken: UNLOCK }));
const iosTokenUpdateEmptyUnlock = checkin(iosTokenUpdate({ token: TOKEN, pushMagic: MAGIC }), {
  // The decoder already drops an empty UnlockToken; the decider must not rely on it.
  edit: (m) => ({ ...m, unlockToken: Buffer.alloc(0) }) as typeof m,
});
const userTokenUpdate = checkin(macosUserTokenUpdate({ token: TOKEN, pushMagic: MAGIC, unlockToken: UNLOCK }));
const ueUserTokenUpdate = checkin(userEnrollmentUserTokenUpdate({ token: TOKEN, pushMagic: MAGIC }));
const ipadUserTokenUpdate = checkin(sharedIpadUserTokenUpdate({ token: TOKEN, pushMagic: MAGIC }));
const macCheckOut = checkin(checkOut());
const userCheckOut = checkin(checkOut({ ids: FIXTURE_IDS.macosUser }));
const userAuthFirst = checkin(macosUserAuthenticate());
const userAuthEmptyDigest = checkin(macosUserAuthenticate({ digestResponse: '' }));
const userAuthSecond = checkin(macosUserAuthenticate({ digestResponse: 'digest-response' }));
const setToken = checkin(setBootstrapToken({ bootstrapToken: BOOTSTRAP }));
const setEmptyToken = checkin(setBootstrapToken({ bootstrapToken: Buffer.alloc(0) }));
const setAbsentToken = checkin(setBootstrapToken({ bootstrapToken: null }));
const getToken_ = checkin(getBootstrapToken());
const userGetBootstrap = checkin(getBootstrapToken({ ids: FIXTURE_IDS.macosUser }));
const dmItems = checkin(declarativeManagement());
const dmStatus = checkin(declarativeManagement({ endpoint: 'status', data: Buffer.from('{"StatusItems":{}}') }));
const watchToken = checkin(getToken());

// --- then: expected decisions ---------------------------------------------------------------
const MAC_SERIAL = 'C02ZK4EXMD6T';
const macDevice = { model: 'MacBookPro18,3', modelName: 'MacBook Pro', productName: 'MacBookPro18,3', osVersion: '14.5', buildVersion: '23F79', deviceName: 'Espalier Test Mac', imei: undefined, meid: undefined };
const macAuthenticated = (command: CheckinCommand, certificate: ReturnType<typeof cert> | null, serialNumber: string | undefined = MAC_SERIAL) =>
  accepted(on(command, MAC, MAC), certificate, { type: 'EnrollmentAuthenticated', enrollmentType: 'Device', topic: FIXTURE_TOPIC, udid: MAC, serialNumber, device: macDevice });
const macTokenUpdated = (command: CheckinCommand, certificate: ReturnType<typeof cert> | null) =>
  accepted(on(command, MAC, MAC), certificate, {
    type: 'TokenUpdated',
    enrollmentType: 'Device',
    parentId: null,
    userShortName: undefined,
    userLongName: undefined,
    pushTopic: FIXTURE_TOPIC,
    tokenHex: TOKEN.toString('hex'),
    pushMagic: MAGIC,
    unlockToken: undefined,
    awaitingConfiguration: false,
  });
const notAssociated = rejected(500, 'cert auth: enrollment not associated with cert');
const reuse = rejected(500, 'cert auth: cert re-use not permitted');

const associationCases: Scenario[] = [
  { name: 'Authenticate with an unknown certificate associates it (new)', given: { association: association.none() }, when: macAuthenticate, then: macAuthenticated(macAuthenticate, cert('new')) },
  { name: 'Authenticate with a new certificate while the device has an old one (re-enrollment) → new', given: { association: association.deviceHasOther() }, when: macAuthenticate, then: macAuthenticated(macAuthenticate, cert('new')) },
  { name: 'Authenticate with this device’s certificate → existing', given: { association: association.withDevice(MAC) }, when: macAuthenticate, then: macAuthenticated(macAuthenticate, cert('existing')) },
  { name: 'Authenticate with another device’s certificate → 500 re-use', given: { association: association.ownedBy(OTHER) }, when: macAuthenticate, then: reuse },
  { name: 'Authenticate with an unknown certificate under -retro is new, not retroactive', given: { association: association.none() }, options: { retro: true }, when: macAuthenticate, then: macAuthenticated(macAuthenticate, cert('new')) },
  { name: 'Authenticate before the device row exists is fine', given: { deviceKnown: false, association: association.none() }, when: macAuthenticate, then: macAuthenticated(macAuthenticate, cert('new')) },
  { name: 'TokenUpdate from an associated enrollment → existing', when: macTokenUpdate, then: macTokenUpdated(macTokenUpdate, cert('existing')) },
  { name: 'TokenUpdate from an unassociated enrollment without -retro → 500', given: { association: association.none() }, when: macTokenUpdate, then: notAssociated },
  { name: 'TokenUpdate with another device’s certificate without -retro → 500 not associated', given: { association: association.ownedBy(OTHER) }, when: macTokenUpdate, then: notAssociated },
  { name: 'TokenUpdate from an unassociated enrollment with -retro → retroactive', given: { association: association.none() }, options: { retro: true }, when: macTokenUpdate, then: macTokenUpdated(macTokenUpdate, cert('retroactive')) },
  { name: 'TokenUpdate with -retro when the enrollment already has another certificate → 500 re-use', given: { association: association.deviceHasOther() }, options: { retro: true }, when: macTokenUpdate, then: reuse },
  { name: 'TokenUpdate with -retro and another device’s certificate → 500 re-use', given: { association: association.ownedBy(OTHER) }, options: { retro: true }, when: macTokenUpdate, then: reuse },
  { name: 'association is checked before the message rules (user-channel CheckOut, unassociated)', given: { association: association.none() }, when: userCheckOut, then: notAssociated },
  { name: 'association failure wins over an unknown device (TokenUpdate)', given: { deviceKnown: false, association: association.none() }, when: macTokenUpdate, then: notAssociated },
  {
    name: 'a user channel is authorized against its device channel’s association',
    given: { association: association.withDevice(MAC) },
    when: userAuthSecond,
    then: accepted(on(userAuthSecond, MAC_USER, MAC), existing, { type: 'UserAuthenticated', digestResponse: true, stored: false, userShortName: 'alice', userLongName: 'Alice Appleseed' }),
  },
  { name: 'Authenticate without a certificate (migration) → certificate null', when: macAuthenticateNoCert, then: macAuthenticated(macAuthenticateNoCert, null) },
  { name: 'TokenUpdate without a certificate (migration) → certificate null, never rejected for association', when: macTokenUpdateNoCert, then: macTokenUpdated(macTokenUpdateNoCert, null) },
];

const authenticateCases: Scenario[] = [
  { name: 'Authenticate with an empty SerialNumber leaves it out', when: macAuthenticateNoSerial, then: accepted(on(macAuthenticateNoSerial, MAC, MAC), existing, { type: 'EnrollmentAuthenticated', enrollmentType: 'Device', topic: FIXTURE_TOPIC, udid: MAC, serialNumber: undefined, device: macDevice }) },
  {
    name: 'iOS Authenticate carries IMEI and MEID',
    when: iosAuth,
    then: accepted(on(iosAuth, IOS, IOS), existing, {
      type: 'EnrollmentAuthenticated',
      enrollmentType: 'Device',
      topic: FIXTURE_TOPIC,
      udid: IOS,
      serialNumber: 'DNQXK2LMN7P3',
      device: { model: undefined, modelName: undefined, productName: 'iPhone14,2', osVersion: '17.5.1', buildVersion: '21F90', deviceName: undefined, imei: '35 209911 482736 4', meid: '35209911482736' },
    }),
  },
  {
    name: 'User Enrollment Authenticate has no UDID and type "User Enrollment (Device)"',
    when: ueAuthenticate,
    then: accepted(on(ueAuthenticate, UE, UE), existing, {
      type: 'EnrollmentAuthenticated',
      enrollmentType: 'User Enrollment (Device)',
      topic: FIXTURE_TOPIC,
      udid: undefined,
      serialNumber: undefined,
      device: { model: undefined, modelName: undefined, productName: 'iPhone15,3', osVersion: '17.5.1', buildVersion: '21F90', deviceName: undefined, imei: undefined, meid: undefined },
    }),
  },
];

const userTokenUpdated = { type: 'TokenUpdated', pushTopic: FIXTURE_TOPIC, tokenHex: TOKEN.toString('hex'), pushMagic: MAGIC, unlockToken: undefined, awaitingConfiguration: undefined } as const;
const tokenUpdateCases: Scenario[] = [
  { name: 'device-channel TokenUpdate', when: macTokenUpdate, then: macTokenUpdated(macTokenUpdate, existing) },
  { name: 'TokenUpdate before Authenticate (no device row) → 500', given: { deviceKnown: false }, when: macTokenUpdate, then: rejected(500, `token update: device ${MAC} has not authenticated`) },
  { name: 'user-channel TokenUpdate before the device’s Authenticate → 500', given: { deviceKnown: false }, when: userTokenUpdate, then: rejected(500, `token update: device ${MAC} has not authenticated`) },
  {
    name: 'device-channel UnlockToken is kept',
    when: iosTokenUpdateUnlock,
    then: accepted(on(iosTokenUpdateUnlock, IOS, IOS), existing, {
      type: 'TokenUpdated',
      enrollmentType: 'Device',
      parentId: null,
      userShortName: undefined,
      userLongName: undefined,
      pushTopic: FIXTURE_TOPIC,
      tokenHex: TOKEN.toString('hex'),
      pushMagic: MAGIC,
      unlockToken: UNLOCK,
      awaitingConfiguration: false,
    }),
  },
  {
    name: 'an empty UnlockToken is dropped',
    when: iosTokenUpdateEmptyUnlock,
    then: accepted(on(iosTokenUpdateEmptyUnlock, IOS, IOS), existing, {
      type: 'TokenUpdated',
      enrollmentType: 'Device',
      parentId: null,
      userShortName: undefined,
      userLongName: undefined,
      pushTopic: FIXTURE_TOPIC,
      tokenHex: TOKEN.toString('hex'),
      pushMagic: MAGIC,
      unlockToken: undefined,
      awaitingConfiguration: false,
    }),
  },
  {
    name: 'macOS user channel: parent, names; its UnlockToken is dropped',
    when: userTokenUpdate,
    then: accepted(on(userTokenUpdate, MAC_USER, MAC), existing, { ...userTokenUpdated, enrollmentType: 'User', parentId: MAC, userShortName: 'alice', userLongName: 'Alice Appleseed' }),
  },
  {
    name: 'User Enrollment user channel: parent is the EnrollmentID, no names',
    when: ueUserTokenUpdate,
    then: accepted(on(ueUserTokenUpdate, UE_USER, UE), existing, { ...userTokenUpdated, enrollmentType: 'User Enrollment', parentId: UE, userShortName: undefined, userLongName: undefined }),
  },
  {
    name: 'Shared iPad user channel: ID and short name are the Managed Apple Account',
    when: ipadUserTokenUpdate,
    then: accepted(on(ipadUserTokenUpdate, IPAD_USER, IPAD), existing, {
      ...userTokenUpdated,
      enrollmentType: 'Shared iPad',
      parentId: IPAD,
      userShortName: FIXTURE_IDS.sharedIpadUser.userShortName,
      userLongName: undefined,
    }),
  },
];

const checkOutCases: Scenario[] = [
  { name: 'device-channel CheckOut', when: macCheckOut, then: accepted(on(macCheckOut, MAC, MAC), existing, { type: 'EnrollmentCheckedOut' }) },
  { name: 'user-channel CheckOut → 500 (SQL semantics)', when: userCheckOut, then: rejected(500, 'check out: can only disable a device channel') },
];

const userAuthenticated = (command: CheckinCommand, digestResponse: boolean, reply: ReplySpec = { kind: 'empty' }, stored = false) =>
  accepted(on(command, MAC_USER, MAC), existing, { type: 'UserAuthenticated', digestResponse, stored, userShortName: 'alice', userLongName: 'Alice Appleseed' }, reply);
const declined = rejected(410, 'user authenticate: declined (no DigestResponse)');
const userAuthenticateCases: Scenario[] = [
  { name: 'default: first message (no DigestResponse) → 410', when: userAuthFirst, then: declined },
  { name: 'default: an empty DigestResponse counts as none → 410', when: userAuthEmptyDigest, then: declined },
  { name: 'default: second message (DigestResponse) → 200 empty', when: userAuthSecond, then: userAuthenticated(userAuthSecond, true) },
  { name: 'default: the device row is not consulted', given: { deviceKnown: false }, when: userAuthSecond, then: userAuthenticated(userAuthSecond, true) },
  { name: '-ua-zl-dc: first message → zero-length DigestChallenge', options: { uaZeroLengthDigestChallenge: true }, when: userAuthFirst, then: userAuthenticated(userAuthFirst, false, { kind: 'digest-challenge' }, true) },
  { name: '-ua-zl-dc: second message → 200 empty', options: { uaZeroLengthDigestChallenge: true }, when: userAuthSecond, then: userAuthenticated(userAuthSecond, true, { kind: 'empty' }, true) },
  { name: '-ua-zl-dc: unknown device → 500', given: { deviceKnown: false }, options: { uaZeroLengthDigestChallenge: true }, when: userAuthFirst, then: rejected(500, `user authenticate: device ${MAC} has not authenticated`) },
];

const bootstrapCases: Scenario[] = [
  { name: 'SetBootstrapToken escrows the token', when: setToken, then: accepted(on(setToken, MAC, MAC), existing, { type: 'BootstrapTokenSet', token: BOOTSTRAP }) },
  { name: 'SetBootstrapToken with an empty token clears it (token null)', when: setEmptyToken, then: accepted(on(setEmptyToken, MAC, MAC), existing, { type: 'BootstrapTokenSet', token: null }) },
  { name: 'SetBootstrapToken without the key clears it (token null)', when: setAbsentToken, then: accepted(on(setAbsentToken, MAC, MAC), existing, { type: 'BootstrapTokenSet', token: null }) },
  { name: 'GetBootstrapToken with an escrowed token → found', given: { hasBootstrapToken: true }, when: getToken_, then: accepted(on(getToken_, MAC, MAC), existing, { type: 'BootstrapTokenRetrieved', found: true }, { kind: 'bootstrap-token' }) },
  { name: 'GetBootstrapToken without a token → not found, still a bootstrap-token reply (empty body)', when: getToken_, then: accepted(on(getToken_, MAC, MAC), existing, { type: 'BootstrapTokenRetrieved', found: false }, { kind: 'bootstrap-token' }) },
  { name: 'GetBootstrapToken for an unknown device → 500', given: { deviceKnown: false }, when: getToken_, then: rejected(500, `get bootstrap token: no device ${MAC}`) },
  { name: 'GetBootstrapToken on a user channel → 500 (no devices row with that ID)', given: { hasBootstrapToken: true }, when: userGetBootstrap, then: rejected(500, `get bootstrap token: no device ${MAC_USER}`) },
];

const dmCases: Scenario[] = [
  { name: 'DeclarativeManagement without -dm → 500', when: dmItems, then: rejected(500, 'declarative management: no -dm server configured') },
  {
    name: 'DeclarativeManagement with -dm, no Data → forwarded (GET)',
    options: { declarativeManagement: true },
    when: dmItems,
    then: accepted(on(dmItems, MAC, MAC), existing, { type: 'DeclarativeManagementRequested', endpoint: 'declaration-items' }, { kind: 'declarative-management', endpoint: 'declaration-items', data: undefined }),
  },
  {
    name: 'DeclarativeManagement with -dm and Data → forwarded with the data (PUT)',
    options: { declarativeManagement: true },
    when: dmStatus,
    then: accepted(on(dmStatus, MAC, MAC), existing, { type: 'DeclarativeManagementRequested', endpoint: 'status' }, { kind: 'declarative-management', endpoint: 'status', data: Buffer.from('{"StatusItems":{}}') }),
  },
];

const watchPairing = 'com.apple.watch.pairing';
const getTokenCases: Scenario[] = [
  { name: 'GetToken with no handler (stock binary) → 500', when: watchToken, then: rejected(500, `get token: no handler for TokenServiceType "${watchPairing}"`) },
  { name: 'GetToken with a handler for another type only → 500', options: { hasTokenHandler: (t) => t === 'com.apple.maid' }, when: watchToken, then: rejected(500, `get token: no handler for TokenServiceType "${watchPairing}"`) },
  {
    name: 'GetToken with a handler → token reply',
    options: { hasTokenHandler: (t) => t === watchPairing },
    when: watchToken,
    then: accepted(on(watchToken, IOS, IOS), existing, { type: 'TokenRequested', tokenServiceType: watchPairing }, { kind: 'token', tokenServiceType: watchPairing }),
  },
];

const groups: [string, Scenario[]][] = [
  ['cert-auth association (§8.4)', associationCases],
  ['Authenticate (§6.1)', authenticateCases],
  ['TokenUpdate (§6.2)', tokenUpdateCases],
  ['CheckOut (§6.3)', checkOutCases],
  ['UserAuthenticate (§6.4)', userAuthenticateCases],
  ['Set/GetBootstrapToken (§6.5, §6.6)', bootstrapCases],
  ['DeclarativeManagement (§6.7)', dmCases],
  ['GetToken (§6.8)', getTokenCases],
];

describe('decideCheckin: given (state) → when (check-in) → then (decision)', () => {
  for (const [group, cases] of groups) {
    describe(group, () => {
      for (const scenario of cases) it(scenario.name, () => assert.deepStrictEqual(decide(scenario), scenario.then));
    });
  }

  it('every check-in message type is covered by an accepting case', () => {
    const acceptedTypes = new Set(groups.flatMap(([, cases]) => cases.filter((c) => c.then.kind === 'accept').map((c) => c.when.message.messageType)));
    assert.deepEqual([...acceptedTypes].sort(), ['Authenticate', 'CheckOut', 'DeclarativeManagement', 'GetBootstrapToken', 'GetToken', 'SetBootstrapToken', 'TokenUpdate', 'UserAuthenticate']);
  });

  it('is pure: frozen inputs, same answer twice, no input mutated', () => {
    for (const [, cases] of groups) {
      for (const scenario of cases) {
        const state = deepFreeze(stateFor(scenario.when, scenario.given));
        const options = Object.freeze({ ...STOCK_OPTIONS, ...scenario.options });
        const before = JSON.stringify(scenario.when);
        const first = decide({ ...scenario, given: state, options });
        assert.deepStrictEqual(decide({ ...scenario, given: state, options }), first, scenario.name);
        assert.equal(JSON.stringify(scenario.when), before, scenario.name);
      }
    }
  });

  it("refuses a TokenUpdate with empty push data as NanoMDM's storage does (500)", () => {
    for (const edit of [{ topic: '' }, { pushMagic: '' }, { token: Buffer.alloc(0) }]) {
      const when = checkin(macosTokenUpdate({ token: TOKEN, pushMagic: MAGIC }), { edit: (m) => ({ ...m, ...edit }) as CheckinMessage });
      assert.deepEqual(decide({ when }), rejected(500, 'token update: Topic, PushMagic and Token are required'), JSON.stringify(Object.keys(edit)));
    }
  });

  it('keeps the exact request bytes (same Buffer) in the fact', () => {
    const decision = decide({ when: macTokenUpdate });
    assert.equal(decision.kind, 'accept');
    if (decision.kind === 'accept') assert.equal(decision.fact.raw, macTokenUpdate.raw);
  });
});

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
