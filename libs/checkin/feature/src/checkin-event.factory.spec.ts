import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, encodeEvent, eventCatalog, TOPICS, type EncryptedSecret, type EspalierEvent } from '@espalier/contracts/events';
import type { CheckinFact } from '@espalier/checkin/domain';
import { SecretBox, SecretBoxError } from '@espalier/shared/util-crypto';
import { checkinEvent, type EventContext } from './checkin-event.factory';

const DEVICE = '470E005B-8CD0-4DB9-A1B3-0EBC340D432A';
const USER = `${DEVICE}:F151140B-0A8E-4B3B-8E7A-6C1B9F2C1D00`;
const OTHER_DEVICE = '9A1C3E5B-7D9F-4B2D-8E6A-0C2E4A6B8D0F';
const TOPIC = 'com.apple.mgmt.External.e3b8ceac-1f18-4c8e-8a63-dd17d99435d9';
const HASH = 'ab'.repeat(32);
/** Not UTF-8 on purpose: the exact bytes must survive. */
const RAW = Buffer.from([0x3c, 0x3f, 0x78, 0x6d, 0x6c, 0x00, 0xff, 0xfe, 0x80, 0x0a]);
const UNLOCK = Buffer.from([0x01, 0x00, 0xfe, 0x7f, 0x80, 0x42]);
const BOOTSTRAP = Buffer.from([0xb0, 0x07, 0x00, 0x5e, 0xc0, 0xde]);

const box = new SecretBox({ keyId: 'checkin-test-1', key: Buffer.alloc(32, 0x5a) });
const ctx: EventContext = { eventId: '0197a3c2-5b1e-7c3d-8e4f-a1b2c3d4e5f6', occurredAt: '2025-06-01T12:00:00.000Z', correlationId: 'trace-0197a3c2' };

const base = (enrollmentId = DEVICE, certificate: CheckinFact['certificate'] = { hash: HASH, association: 'existing' }) => ({
  enrollmentId,
  deviceChannelId: DEVICE,
  certificate,
  raw: RAW,
});

/** The envelope's meta as the factory must fill it. */
const meta = (enrollmentId = DEVICE) => ({
  eventId: ctx.eventId,
  occurredAt: ctx.occurredAt,
  enrollmentId,
  deviceId: DEVICE,
  source: 'checkin',
  correlationId: ctx.correlationId,
  causationId: null,
});

/** The wire form (what the log holds): JSON, so `undefined` fields are absent. */
const wire = (event: EspalierEvent) => JSON.parse(JSON.stringify(event)) as Record<string, unknown> & { data: Record<string, unknown> };

const authenticated: CheckinFact = {
  ...base(DEVICE, { hash: HASH, association: 'new' }),
  type: 'EnrollmentAuthenticated',
  enrollmentType: 'Device',
  topic: TOPIC,
  udid: DEVICE,
  serialNumber: 'C02XK0AAJG5H',
  device: { model: 'MacBookPro18,3', modelName: 'MacBook Pro', productName: 'MacBookPro18,3', osVersion: '14.5', buildVersion: '23F79', deviceName: '', imei: undefined, meid: undefined },
};
const deviceTokenUpdated: CheckinFact = {
  ...base(),
  type: 'TokenUpdated',
  enrollmentType: 'Device',
  parentId: null,
  pushTopic: TOPIC,
  tokenHex: 'c0ffee0123456789',
  pushMagic: '5C5E1E12-8E0C-4A3A-9C4F-4DC6C9B0C0DE',
  unlockToken: UNLOCK,
  awaitingConfiguration: false,
};
const userTokenUpdated: CheckinFact = {
  ...base(USER),
  type: 'TokenUpdated',
  enrollmentType: 'User',
  parentId: DEVICE,
  userShortName: 'alice',
  userLongName: 'Alice Appleseed',
  pushTopic: TOPIC,
  tokenHex: '0a0b0c0d',
  pushMagic: 'F0E1D2C3-0000-4000-A000-000000000001',
};

// Plain events: given a fact → then exactly this type and data (raw = the request bytes, base64).
const plainCases: { name: string; fact: CheckinFact; type: EspalierEvent['type']; data: Record<string, unknown>; enrollmentId?: string }[] = [
  {
    name: 'Authenticate → EnrollmentAuthenticated, device facts without empty ones',
    fact: authenticated,
    type: 'EnrollmentAuthenticated',
    data: {
      certificate: { hash: HASH, association: 'new' },
      enrollmentType: 'Device',
      udid: DEVICE,
      serialNumber: 'C02XK0AAJG5H',
      topic: TOPIC,
      model: 'MacBookPro18,3',
      modelName: 'MacBook Pro',
      productName: 'MacBookPro18,3',
      osVersion: '14.5',
      buildVersion: '23F79',
      raw: RAW.toString('base64'),
    },
  },
  {
    name: 'Authenticate of a User Enrollment (no UDID, no serial) from a migration (no certificate)',
    fact: {
      ...base(DEVICE, null),
      type: 'EnrollmentAuthenticated',
      enrollmentType: 'User Enrollment (Device)',
      topic: TOPIC,
      device: { model: undefined, modelName: undefined, productName: 'iPhone15,3', osVersion: '17.5.1', buildVersion: undefined, deviceName: undefined, imei: '35 209911 482736 4', meid: '' },
    },
    type: 'EnrollmentAuthenticated',
    data: { certificate: null, enrollmentType: 'User Enrollment (Device)', topic: TOPIC, productName: 'iPhone15,3', osVersion: '17.5.1', imei: '35 209911 482736 4', raw: RAW.toString('base64') },
  },
  { name: 'CheckOut → EnrollmentCheckedOut', fact: { ...base(), type: 'EnrollmentCheckedOut' }, type: 'EnrollmentCheckedOut', data: { certificate: { hash: HASH, association: 'existing' }, raw: RAW.toString('base64') } },
  {
    name: 'UserAuthenticate → UserAuthenticated on the user channel',
    fact: { ...base(USER, { hash: HASH, association: 'retroactive' }), type: 'UserAuthenticated', digestResponse: false, stored: true, userShortName: 'alice', userLongName: 'Alice Appleseed' },
    enrollmentId: USER,
    type: 'UserAuthenticated',
    data: { certificate: { hash: HASH, association: 'retroactive' }, digestResponse: false, stored: true, userShortName: 'alice', userLongName: 'Alice Appleseed', raw: RAW.toString('base64') },
  },
  {
    name: 'GetBootstrapToken → BootstrapTokenRetrieved',
    fact: { ...base(), type: 'BootstrapTokenRetrieved', found: true },
    type: 'BootstrapTokenRetrieved',
    data: { certificate: { hash: HASH, association: 'existing' }, found: true, raw: RAW.toString('base64') },
  },
  {
    name: 'DeclarativeManagement → DeclarativeManagementRequested',
    fact: { ...base(), type: 'DeclarativeManagementRequested', endpoint: 'declaration-items' },
    type: 'DeclarativeManagementRequested',
    data: { certificate: { hash: HASH, association: 'existing' }, endpoint: 'declaration-items', raw: RAW.toString('base64') },
  },
  {
    name: 'GetToken → TokenRequested',
    fact: { ...base(), type: 'TokenRequested', tokenServiceType: 'com.apple.watch.pairing' },
    type: 'TokenRequested',
    data: { certificate: { hash: HASH, association: 'existing' }, tokenServiceType: 'com.apple.watch.pairing', raw: RAW.toString('base64') },
  },
];

const assertSealed = (secret: unknown, plaintext: Buffer, enrollmentId: string, otherEnrollmentId: string) => {
  const sealed = secret as EncryptedSecret;
  assert.equal(sealed.alg, 'A256GCM');
  assert.equal(sealed.keyId, 'checkin-test-1');
  assert.ok(!Buffer.from(sealed.ciphertext, 'base64').equals(plaintext), 'the log must not hold the plaintext');
  assert.deepStrictEqual(box.open(sealed, enrollmentId), plaintext, 'opens to the exact bytes with the enrollment id as AAD');
  assert.throws(() => box.open(sealed, otherEnrollmentId), SecretBoxError, 'another enrollment cannot open it');
  assert.throws(() => box.open(sealed), SecretBoxError, 'opening without AAD fails');
};

const roundTrip = (event: EspalierEvent) => {
  const encoded = encodeEvent(event);
  assert.equal(encoded.topic, TOPICS.enrollment);
  assert.equal(encoded.key, DEVICE, 'keyed by the device channel, so user channels share its partition');
  assert.deepStrictEqual(wire(decodeEvent({ value: encoded.value, headers: encoded.headers })), wire(event));
};

describe('checkinEvent: given a fact → then one event', () => {
  describe('plain events', () => {
    for (const c of plainCases) {
      it(c.name, () => {
        const event = checkinEvent(c.fact, box, ctx);
        assert.deepStrictEqual(wire(event), { ...meta(c.enrollmentId), type: c.type, version: eventCatalog.definitionOf(c.type).version, data: c.data });
        assert.deepStrictEqual(Buffer.from(wire(event).data.raw as string, 'base64'), RAW, 'raw is the exact request bytes');
        roundTrip(event);
      });
    }
  });

  describe('sealed secrets (AAD = enrollment id)', () => {
    it('device TokenUpdate → TokenUpdated with sealed raw and UnlockToken', () => {
      const event = wire(checkinEvent(deviceTokenUpdated, box, ctx));
      const { raw, unlockToken, ...rest } = event.data;
      assert.deepStrictEqual({ ...event, data: rest }, {
        ...meta(),
        type: 'TokenUpdated',
        version: 1,
        data: {
          certificate: { hash: HASH, association: 'existing' },
          enrollmentType: 'Device',
          parentId: null,
          pushTopic: TOPIC,
          token: 'c0ffee0123456789',
          pushMagic: '5C5E1E12-8E0C-4A3A-9C4F-4DC6C9B0C0DE',
          awaitingConfiguration: false,
        },
      });
      assertSealed(raw, RAW, DEVICE, OTHER_DEVICE);
      assertSealed(unlockToken, UNLOCK, DEVICE, OTHER_DEVICE);
      roundTrip(checkinEvent(deviceTokenUpdated, box, ctx));
    });

    it('user-channel TokenUpdate → TokenUpdated with parent and names; raw sealed to the user channel', () => {
      const event = wire(checkinEvent(userTokenUpdated, box, ctx));
      const { raw, ...rest } = event.data;
      assert.deepStrictEqual({ ...event, data: rest }, {
        ...meta(USER),
        type: 'TokenUpdated',
        version: 1,
        data: {
          certificate: { hash: HASH, association: 'existing' },
          enrollmentType: 'User',
          parentId: DEVICE,
          userShortName: 'alice',
          userLongName: 'Alice Appleseed',
          pushTopic: TOPIC,
          token: '0a0b0c0d',
          pushMagic: 'F0E1D2C3-0000-4000-A000-000000000001',
        },
      });
      assertSealed(raw, RAW, USER, DEVICE);
      roundTrip(checkinEvent(userTokenUpdated, box, ctx));
    });

    it('SetBootstrapToken → BootstrapTokenSet with sealed token and raw', () => {
      const fact: CheckinFact = { ...base(), type: 'BootstrapTokenSet', token: BOOTSTRAP };
      const event = wire(checkinEvent(fact, box, ctx));
      const { raw, token, ...rest } = event.data;
      assert.deepStrictEqual({ ...event, data: rest }, { ...meta(), type: 'BootstrapTokenSet', version: 1, data: { certificate: { hash: HASH, association: 'existing' } } });
      assertSealed(token, BOOTSTRAP, DEVICE, OTHER_DEVICE);
      assertSealed(raw, RAW, DEVICE, OTHER_DEVICE);
      roundTrip(checkinEvent(fact, box, ctx));
    });

    it('SetBootstrapToken with no token → token null, raw still sealed', () => {
      const fact: CheckinFact = { ...base(), type: 'BootstrapTokenSet', token: null };
      const event = wire(checkinEvent(fact, box, ctx));
      assert.equal(event.data.token, null);
      assertSealed(event.data.raw, RAW, DEVICE, OTHER_DEVICE);
      roundTrip(checkinEvent(fact, box, ctx));
    });

    it('sealing never reuses an IV: the same fact twice gives different ciphertexts', () => {
      const a = wire(checkinEvent(deviceTokenUpdated, box, ctx)).data.raw as EncryptedSecret;
      const b = wire(checkinEvent(deviceTokenUpdated, box, ctx)).data.raw as EncryptedSecret;
      assert.notEqual(a.iv, b.iv);
      assert.notEqual(a.ciphertext, b.ciphertext);
    });
  });

  it('does not modify the fact', () => {
    const fact = structuredClone(deviceTokenUpdated);
    checkinEvent(fact, box, ctx);
    assert.deepStrictEqual(fact, structuredClone(deviceTokenUpdated));
  });

  it(
    'an Authenticate without Topic is recorded (NanoMDM stores it and answers 200, §4/§6.1)',
    () => {
      const event = checkinEvent({ ...authenticated, topic: '' } as CheckinFact, box, ctx);
      assert.equal(event.type, 'EnrollmentAuthenticated');
    },
  );
});
