import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fx from '@espalier/shared/util-testing';
import { decodeCheckin } from './checkin/decode-checkin';
import { decodeCommandReport } from './command/command-report';
import { resolveEnrollment } from './enrollment/resolve-enrollment';

/**
 * The shared check-in fixtures (libs/shared/util-testing) checked against
 * this decoder. They live here because a util lib may not import a domain lib.
 */
describe('check-in fixtures decode into the expected shapes and identities', () => {
  for (const device of fx.fixtureDevices) {
    for (const binary of [false, true]) {
      it(`${device.description} (${binary ? 'binary' : 'XML'})`, () => {
        const update = decodeCheckin(device.tokenUpdate({ binary }));
        assert.equal(update.messageType, 'TokenUpdate');
        assert.deepEqual(update.ids, device.ids);
        const resolved = resolveEnrollment(update.ids);
        assert.deepEqual({ id: resolved.id, type: resolved.type, parentId: resolved.parentId }, device.expected);
        if (device.authenticate) {
          const authenticate = decodeCheckin(device.authenticate({ binary }));
          assert.equal(authenticate.messageType, 'Authenticate');
          assert.equal(resolveEnrollment(authenticate.ids).id, device.expected.id);
        }
      });
    }
  }

  it('only the iOS device TokenUpdate carries an UnlockToken', () => {
    for (const device of fx.fixtureDevices) {
      const update = decodeCheckin(device.tokenUpdate());
      assert.equal(update.messageType === 'TokenUpdate' && update.unlockToken !== undefined, device.kind === 'ios-device', device.kind);
    }
  });

  it('overrides make distinct devices with distinct tokens', () => {
    const ids = new Set<string>();
    const tokens = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const message = decodeCheckin(fx.macosTokenUpdate({ udid: fx.fixtureUuid(`device-${i}`) }));
      assert.ok(message.messageType === 'TokenUpdate');
      ids.add(resolveEnrollment(message.ids).id);
      tokens.add(message.token.toString('hex'));
    }
    assert.equal(ids.size, 50);
    assert.equal(tokens.size, 50);
  });

  it('every other check-in builder decodes to its message type', () => {
    const builders: [string, () => Buffer][] = [
      ['CheckOut', () => fx.checkOut()],
      ['UserAuthenticate', () => fx.macosUserAuthenticate({ digestResponse: 'r' })],
      ['SetBootstrapToken', () => fx.setBootstrapToken()],
      ['GetBootstrapToken', () => fx.getBootstrapToken()],
      ['DeclarativeManagement', () => fx.declarativeManagement()],
      ['GetToken', () => fx.getToken()],
    ];
    for (const [messageType, build] of builders) assert.equal(decodeCheckin(build()).messageType, messageType);
  });

  it('command report builders decode with their statuses', () => {
    const commandUuid = fx.fixtureUuid('command');
    assert.equal(decodeCommandReport(fx.idleReport()).status, 'Idle');
    assert.equal(decodeCommandReport(fx.acknowledgedReport({ commandUuid })).status, 'Acknowledged');
    assert.equal(decodeCommandReport(fx.notNowReport({ commandUuid })).status, 'NotNow');
    assert.equal(decodeCommandReport(fx.errorReport({ commandUuid })).errorChain?.length, 2);
  });
});
