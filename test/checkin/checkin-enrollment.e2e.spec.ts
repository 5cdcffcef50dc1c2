import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EspalierEvent, EventOf } from '@espalier/contracts/events';
import { certHash } from '@espalier/mdm/device-auth';
import { bootstrapTokenReply } from '@espalier/mdm/protocol';
import {
  checkOut,
  fixtureDevices,
  getBootstrapToken,
  macosAuthenticate,
  macosTokenUpdate,
  macosUserTokenUpdate,
  setBootstrapToken,
  type SimulatedDevice,
} from '@espalier/shared/util-testing';
import type { ServiceProcess } from '../services/service-process';
import { openCheckinHarness, SHARED_IPAD_USER, uniqueIds, type CheckinHarness } from './checkin-harness';

interface EnrollmentRow {
  id: string;
  device_id: string;
  user_id: string | null;
  type: string;
  topic: string;
  push_magic: string;
  token_hex: string;
  enabled: boolean;
  token_update_tally: number;
}

describe('check-in service: enrollment lifecycle over HTTP, Kafka and PostgreSQL', () => {
  let h: CheckinHarness;
  let svc: ServiceProcess;
  before(async () => {
    h = await openCheckinHarness();
    svc = await h.start();
  });
  after(() => h.close());

  const enrollment = async (id: string) =>
    (await h.pool.query<EnrollmentRow>('SELECT * FROM checkin.enrollments WHERE id = $1', [id])).rows[0] as EnrollmentRow | undefined;

  for (const kind of fixtureDevices) {
    it(`enrolls a ${kind.description}: 200, one event per check-in with the exact bytes, projection rows`, async () => {
      const ids = uniqueIds(kind.ids);
      const device = h.device();
      const deviceChannel = (ids.udid ?? ids.enrollmentId) as string;
      const userPart = ids.udid ? (ids.userId === SHARED_IPAD_USER ? ids.userShortName : ids.userId) : ids.enrollmentUserId;
      const parent = kind.expected.parentId === null ? null : deviceChannel;
      const id = parent === null ? deviceChannel : `${deviceChannel}:${userPart}`;
      // A user channel rides on its device channel's enrollment: enroll the device first.
      const authBody = (kind.authenticate ?? macosAuthenticate)({ ids: { udid: ids.udid, enrollmentId: ids.enrollmentId } });
      assert.equal((await device.checkin(svc.url, authBody)).status, 200);
      const tokenBody = kind.tokenUpdate({ ids });
      const res = await device.checkin(svc.url, tokenBody);
      assert.equal(res.status, 200);
      assert.equal(res.body.length, 0);
      assert.equal(res.headers.get('content-type'), null, 'an empty 200 has no Content-Type');

      const events = await h.collector.waitFor(deviceChannel, 2);
      const [authenticated, tokenUpdated] = events as [EventOf<'EnrollmentAuthenticated'>, EventOf<'TokenUpdated'>];
      assert.equal(authenticated.type, 'EnrollmentAuthenticated');
      assert.equal(authenticated.enrollmentId, deviceChannel);
      assert.deepEqual(Buffer.from(authenticated.data.raw, 'base64'), authBody, 'Authenticate raw bytes exact');
      assert.deepEqual(authenticated.data.certificate, { hash: certHash(device.identity.certDer), association: 'new' });
      assert.equal(tokenUpdated.type, 'TokenUpdated');
      assert.equal(tokenUpdated.enrollmentId, id);
      assert.equal(tokenUpdated.deviceId, deviceChannel);
      assert.equal(tokenUpdated.data.enrollmentType, kind.expected.type);
      assert.equal(tokenUpdated.data.parentId, parent);
      assert.deepEqual(h.box.open(tokenUpdated.data.raw, id), tokenBody, 'TokenUpdate raw bytes sealed, exact once opened');
      assert.doesNotMatch(JSON.stringify(tokenUpdated), /UnlockToken/, 'no plain unlock token in the log');

      const row = await enrollment(id);
      assert.ok(row, 'enrollment row exists as soon as the device got 200');
      assert.deepEqual(
        { type: row.type, device_id: row.device_id, user_id: row.user_id, enabled: row.enabled, tally: row.token_update_tally, token: row.token_hex },
        { type: kind.expected.type, device_id: deviceChannel, user_id: parent === null ? null : id, enabled: true, tally: 1, token: tokenUpdated.data.token },
      );
    });
  }

  it('counts TokenUpdates, and Authenticate disables the device and its user channels with tally 0 and forgets the bootstrap token', async () => {
    const ids = uniqueIds({ udid: 'x', userId: 'y', userShortName: 'bob', userLongName: 'Bob' });
    const device = h.device();
    const ok = async (body: Buffer) => assert.equal((await device.checkin(svc.url, body)).status, 200);
    await ok(macosAuthenticate({ ids: { udid: ids.udid } }));
    await ok(macosTokenUpdate({ ids: { udid: ids.udid } }));
    await ok(macosTokenUpdate({ ids: { udid: ids.udid } }));
    await ok(macosUserTokenUpdate({ ids }));
    assert.equal((await enrollment(ids.udid!))?.token_update_tally, 2);
    await ok(setBootstrapToken({ ids: { udid: ids.udid }, bootstrapToken: Buffer.from('escrowed-token')}));
    const got = await device.checkin(svc.url, getBootstrapToken({ ids: { udid: ids.udid } }));
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, bootstrapTokenReply(Buffer.from('escrowed-token')), 'the token escrowed just before, exact plist');
    assert.equal(got.headers.get('content-type'), 'text/xml; charset=utf-8');

    await ok(macosAuthenticate({ ids: { udid: ids.udid } }));
    const device_ = await enrollment(ids.udid!);
    const user = await enrollment(`${ids.udid}:${ids.userId}`);
    assert.deepEqual([device_?.enabled, device_?.token_update_tally, user?.enabled, user?.token_update_tally], [false, 0, false, 0]);
    const empty = await device.checkin(svc.url, getBootstrapToken({ ids: { udid: ids.udid } }));
    assert.deepEqual([empty.status, empty.body.length], [200, 0], 'no token after re-enrollment: 200 with an empty body');

    await ok(macosTokenUpdate({ ids: { udid: ids.udid } }));
    assert.deepEqual([(await enrollment(ids.udid!))?.enabled, (await enrollment(ids.udid!))?.token_update_tally], [true, 1]);
  });

  it('CheckOut disables the device channel and keeps the rows; a user-channel CheckOut is a 500 with no event', async () => {
    const ids = uniqueIds({ udid: 'x', userId: 'y', userShortName: 'carol' });
    const device = h.device();
    await device.checkin(svc.url, macosAuthenticate({ ids: { udid: ids.udid } }));
    await device.checkin(svc.url, macosTokenUpdate({ ids: { udid: ids.udid } }));
    await device.checkin(svc.url, macosUserTokenUpdate({ ids }));
    const userOut = await device.checkin(svc.url, checkOut({ ids }));
    assert.equal(userOut.status, 500);
    assert.equal((await device.checkin(svc.url, checkOut({ ids: { udid: ids.udid } }))).status, 200);
    assert.deepEqual([(await enrollment(ids.udid!))?.enabled, (await enrollment(`${ids.udid}:${ids.userId}`))?.enabled], [false, false]);
    const events = await h.collector.waitFor(ids.udid!, 4);
    await h.collector.catchUp();
    assert.deepEqual(
      h.collector.events(ids.udid!).map((e: EspalierEvent) => e.type),
      ['EnrollmentAuthenticated', 'TokenUpdated', 'TokenUpdated', 'EnrollmentCheckedOut'],
      `events: ${events.length}`,
    );
  });

  it('answers a device right after its TokenUpdate from up-to-date state (no race), many times over', async () => {
    for (let i = 0; i < 10; i++) {
      const ids = uniqueIds({ udid: 'x' });
      const device: SimulatedDevice = h.device();
      await device.checkin(svc.url, macosAuthenticate({ ids }));
      assert.equal((await device.checkin(svc.url, macosTokenUpdate({ ids }))).status, 200);
      assert.equal((await enrollment(ids.udid!))?.token_update_tally, 1);
      await device.checkin(svc.url, setBootstrapToken({ ids, bootstrapToken: Buffer.from(`t${i}`)}));
      const got = await device.checkin(svc.url, getBootstrapToken({ ids }));
      assert.deepEqual(got.body, bootstrapTokenReply(Buffer.from(`t${i}`)));
    }
  });
});
