import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fx from '@espalier/shared/util-testing';
import { parse } from 'plist';
import { ProtocolError } from '../protocol.error';
import { decodeCheckin } from './decode-checkin';

const formats = [{ binary: false }, { binary: true }] as const;
const token = Buffer.from('a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90', 'hex');
const udid = '0C6B1D2E-3F4A-4B5C-8D6E-7F8091A2B3C4';

function rejects(body: Buffer, message: string | RegExp): void {
  assert.throws(() => decodeCheckin(body), (err: unknown) => err instanceof ProtocolError && err.status === 400 && (typeof message === 'string' ? err.message === message : message.test(err.message)));
}

for (const format of formats) {
  const label = format.binary ? 'binary' : 'XML';
  describe(`decodeCheckin (${label})`, () => {
    it('decodes Authenticate with its device facts', () => {
      assert.deepEqual(decodeCheckin(fx.macosAuthenticate({ ...format, udid, topic: 'com.apple.mgmt.test', serialNumber: 'C02TEST0001' })), {
        messageType: 'Authenticate',
        ids: { udid },
        topic: 'com.apple.mgmt.test',
        serialNumber: 'C02TEST0001',
        device: {
          model: 'MacBookPro18,3',
          modelName: 'MacBook Pro',
          deviceName: 'Espalier Test Mac',
          osVersion: '14.5',
          buildVersion: '23F79',
          productName: 'MacBookPro18,3',
          imei: undefined,
          meid: undefined,
        },
      });
    });

    it('decodes TokenUpdate with an UnlockToken and AwaitingConfiguration', () => {
      const unlockToken = Buffer.from('unlock-keybag');
      assert.deepEqual(decodeCheckin(fx.iosTokenUpdate({ ...format, udid, token, pushMagic: 'MAGIC', unlockToken })), {
        messageType: 'TokenUpdate',
        ids: { udid },
        topic: fx.FIXTURE_TOPIC,
        pushMagic: 'MAGIC',
        token,
        unlockToken,
        awaitingConfiguration: false,
      });
    });

    it('decodes a user-channel TokenUpdate with its user keys', () => {
      const message = decodeCheckin(fx.macosUserTokenUpdate(format));
      assert.deepEqual(message.ids, fx.FIXTURE_IDS.macosUser);
      assert.equal(message.messageType, 'TokenUpdate');
    });

    it('decodes CheckOut, GetBootstrapToken and both UserAuthenticate forms', () => {
      assert.deepEqual(decodeCheckin(fx.checkOut({ ...format, udid })), { messageType: 'CheckOut', ids: { udid } });
      assert.deepEqual(decodeCheckin(fx.getBootstrapToken({ ...format, udid })), { messageType: 'GetBootstrapToken', ids: { udid } });
      assert.deepEqual(decodeCheckin(fx.macosUserAuthenticate(format)), { messageType: 'UserAuthenticate', ids: fx.FIXTURE_IDS.macosUser });
      assert.deepEqual(decodeCheckin(fx.macosUserAuthenticate({ ...format, digestResponse: 'response' })), {
        messageType: 'UserAuthenticate',
        ids: fx.FIXTURE_IDS.macosUser,
        digestResponse: 'response',
      });
    });

    it('decodes SetBootstrapToken; an absent token is an empty Buffer (§6.5)', () => {
      const bootstrapToken = Buffer.from('escrowed');
      assert.deepEqual(decodeCheckin(fx.setBootstrapToken({ ...format, udid, bootstrapToken })), { messageType: 'SetBootstrapToken', ids: { udid }, bootstrapToken });
      assert.deepEqual(decodeCheckin(fx.setBootstrapToken({ ...format, udid, bootstrapToken: null })), { messageType: 'SetBootstrapToken', ids: { udid }, bootstrapToken: Buffer.alloc(0) });
    });

    it('decodes DeclarativeManagement with and without Data', () => {
      const data = Buffer.from('{"SyncTokens":{}}');
      assert.deepEqual(decodeCheckin(fx.declarativeManagement({ ...format, udid, endpoint: 'tokens', data })), { messageType: 'DeclarativeManagement', ids: { udid }, endpoint: 'tokens', data });
      assert.deepEqual(decodeCheckin(fx.declarativeManagement({ ...format, udid })), { messageType: 'DeclarativeManagement', ids: { udid }, endpoint: 'declaration-items' });
    });

    it('decodes GetToken with and without TokenParameters', () => {
      const tokenParameters = { phoneUdid: 'phone', securityToken: 'secret', watchUdid: 'watch' };
      assert.deepEqual(decodeCheckin(fx.getToken({ ...format, udid, tokenParameters })), { messageType: 'GetToken', ids: { udid }, tokenServiceType: 'com.apple.watch.pairing', tokenParameters });
      assert.deepEqual(decodeCheckin(fx.getToken({ ...format, udid, tokenServiceType: 'com.apple.maid', tokenParameters: null })), { messageType: 'GetToken', ids: { udid }, tokenServiceType: 'com.apple.maid' });
    });

    it('decodes User Enrollment and Shared iPad identities', () => {
      assert.deepEqual(decodeCheckin(fx.userEnrollmentUserTokenUpdate(format)).ids, fx.FIXTURE_IDS.userEnrollmentUser);
      assert.deepEqual(decodeCheckin(fx.sharedIpadUserTokenUpdate(format)).ids, fx.FIXTURE_IDS.sharedIpadUser);
    });
  });
}

describe('decodeCheckin: what Go would leave at the zero value', () => {
  it('accepts absent Topic, PushMagic and Token as "" and an empty Buffer', () => {
    const body = fx.macosTokenUpdate({ udid, extra: { Topic: undefined, PushMagic: undefined, Token: undefined, AwaitingConfiguration: undefined } });
    assert.deepEqual(decodeCheckin(body), { messageType: 'TokenUpdate', ids: { udid }, topic: '', pushMagic: '', token: Buffer.alloc(0) });
  });

  it('drops an empty UnlockToken, as NanoMDM stores none', () => {
    const message = decodeCheckin(fx.iosTokenUpdate({ unlockToken: Buffer.alloc(0) }));
    assert.ok(message.messageType === 'TokenUpdate' && !('unlockToken' in message));
  });

  it('accepts a body without any enrollment key (resolving it is a separate 500)', () => {
    assert.deepEqual(decodeCheckin(fx.checkOut({ extra: { UDID: undefined } })), { messageType: 'CheckOut', ids: {} });
  });
});

describe('decodeCheckin: keys', () => {
  const wrongTypes: [string, () => Buffer, string, string][] = [
    ['MessageType', () => fx.checkOut({ extra: { MessageType: 3 } }), 'string', 'integer'],
    ['UDID', () => fx.checkOut({ extra: { UDID: Buffer.from('x') } }), 'string', 'data'],
    ['UserID', () => fx.macosUserAuthenticate({ extra: { UserID: 1 } }), 'string', 'integer'],
    ['UserShortName', () => fx.macosUserTokenUpdate({ extra: { UserShortName: true } }), 'string', 'boolean'],
    ['UserLongName', () => fx.macosUserTokenUpdate({ extra: { UserLongName: ['a'] } }), 'string', 'array'],
    ['EnrollmentID', () => fx.userEnrollmentAuthenticate({ extra: { EnrollmentID: { a: 'b' } } }), 'string', 'dict'],
    ['EnrollmentUserID', () => fx.userEnrollmentUserTokenUpdate({ extra: { EnrollmentUserID: new Date(0) } }), 'string', 'date'],
    ['Topic', () => fx.macosAuthenticate({ extra: { Topic: 1 } }), 'string', 'integer'],
    ['SerialNumber', () => fx.macosAuthenticate({ extra: { SerialNumber: 12345 } }), 'string', 'integer'],
    ['Topic', () => fx.macosTokenUpdate({ extra: { Topic: Buffer.from('t') } }), 'string', 'data'],
    ['PushMagic', () => fx.macosTokenUpdate({ extra: { PushMagic: false } }), 'string', 'boolean'],
    ['Token', () => fx.macosTokenUpdate({ extra: { Token: 'abcd' } }), 'data', 'string'],
    ['UnlockToken', () => fx.iosTokenUpdate({ extra: { UnlockToken: 'abcd' } }), 'data', 'string'],
    ['DigestResponse', () => fx.macosUserAuthenticate({ extra: { DigestResponse: Buffer.from('d') } }), 'string', 'data'],
    ['BootstrapToken', () => fx.setBootstrapToken({ extra: { BootstrapToken: 'token' } }), 'data', 'string'],
    ['Endpoint', () => fx.declarativeManagement({ extra: { Endpoint: 1 } }), 'string', 'integer'],
    ['Data', () => fx.declarativeManagement({ extra: { Data: '{}' } }), 'data', 'string'],
    ['TokenServiceType', () => fx.getToken({ extra: { TokenServiceType: 1 } }), 'string', 'integer'],
    ['TokenParameters', () => fx.getToken({ extra: { TokenParameters: 'p' } }), 'dict', 'string'],
    ['PhoneUDID', () => fx.getToken({ extra: { TokenParameters: { PhoneUDID: 1 } } }), 'string', 'integer'],
  ];
  for (const [key, body, want, got] of wrongTypes) {
    it(`rejects a wrongly typed "${key}" with a 400 naming it (${got})`, () => {
      rejects(body(), `decoding check-in: "${key}" must be ${want}, got ${got}`);
      rejects(fx.writeBinaryPlist(decodeXmlForRewrite(body())), `decoding check-in: "${key}" must be ${want}, got ${got}`);
    });
  }

  it('ignores wrongly typed informational keys NanoMDM only keeps raw', () => {
    const message = decodeCheckin(fx.macosAuthenticate({ extra: { Model: 7, OSVersion: true, AwaitingConfiguration: 'yes' } }));
    assert.ok(message.messageType === 'Authenticate');
    assert.equal(message.device.model, undefined);
    assert.equal(message.device.osVersion, undefined);
    const update = decodeCheckin(fx.macosTokenUpdate({ extra: { AwaitingConfiguration: 'yes' } }));
    assert.ok(update.messageType === 'TokenUpdate' && !('awaitingConfiguration' in update));
  });

  it('ignores unknown keys and keys of another case, and keys belonging to other message types', () => {
    const message = decodeCheckin(fx.checkOut({ udid, extra: { udid: 'lower', Token: 'not data', Whatever: [1, 2] } }));
    assert.deepEqual(message, { messageType: 'CheckOut', ids: { udid } });
  });

  it('rejects an unknown or missing MessageType with a 400', () => {
    rejects(fx.checkOut({ extra: { MessageType: 'Foo' } }), 'decoding check-in: unrecognized MessageType "Foo"');
    rejects(fx.checkOut({ extra: { MessageType: 'checkout' } }), 'decoding check-in: unrecognized MessageType "checkout"');
    rejects(fx.checkOut({ extra: { MessageType: undefined } }), 'decoding check-in: unrecognized MessageType ""');
  });

  it('rejects a body whose top level is not a dict, or is not a plist', () => {
    rejects(fx.writeXmlPlist(['Authenticate']), 'decoding check-in: top level must be a dict, got array');
    rejects(Buffer.from('MessageType=Authenticate'), /^decoding check-in: parsing plist: /);
  });
});

/** Re-encodes an XML fixture as binary, so each wrong-type case is also checked through the binary parser. */
function decodeXmlForRewrite(body: Buffer): fx.PlistInputDict {
  return parse(body.toString('utf8')) as fx.PlistInputDict;
}
