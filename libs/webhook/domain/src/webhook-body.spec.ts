import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as fx from '@espalier/shared/util-testing';
import { webhookBody, type WebhookRequest } from './webhook-body';

// The two request bodies of NanoMDM's webhook testdata (Apple-format check-in and report plists).
const fixture = (name: string) => readFileSync(path.join(__dirname, 'testdata', name));
const ZERO = { createdAt: '0001-01-01T00:00:00Z', eventId: 'test_event_id' };
const UDID = '66ADE930-5FDF-5EC4-8429-15640684C489';
const json = (request: WebhookRequest, meta = ZERO) => JSON.parse(webhookBody(request, meta).body.toString('utf8'));

describe('webhookBody: byte-compatible with NanoMDM (§10)', () => {
  it('an Authenticate check-in, as NanoMDM testdata/Authenticate.2.json', () => {
    const raw = fixture('Authenticate.2.plist');
    const expected =
      `{"checkin_event":{"ids":{"id":"${UDID}","type":"Device"},"raw_payload":"${raw.toString('base64')}","udid":"${UDID}"},` +
      `"created_at":"0001-01-01T00:00:00Z","event_id":"test_event_id","topic":"mdm.Authenticate"}`;
    const built = webhookBody({ kind: 'checkin', raw }, ZERO);
    assert.equal(built.topic, 'mdm.Authenticate');
    assert.equal(built.body.toString('utf8'), expected);
  });

  it('a DeviceInformation report, as NanoMDM testdata/DeviceInformation.1.json', () => {
    const raw = fixture('DeviceInformation.1.plist');
    const expected =
      `{"acknowledge_event":{"command_uuid":"76eda240-5488-4989-8339-f2ae160113c4","ids":{"id":"${UDID}","type":"Device"},` +
      `"raw_payload":"${raw.toString('base64')}","status":"Acknowledged","udid":"${UDID}"},` +
      `"created_at":"0001-01-01T00:00:00Z","event_id":"test_event_id","topic":"mdm.Connect"}`;
    const built = webhookBody({ kind: 'report', raw }, ZERO);
    assert.equal(built.topic, 'mdm.Connect');
    assert.equal(built.body.toString('utf8'), expected);
  });
});

describe('webhookBody: topics, IDs and omitted fields', () => {
  it('names each check-in topic after its MessageType', () => {
    const cases: [Buffer, string][] = [
      [fx.macosAuthenticate(), 'mdm.Authenticate'],
      [fx.checkOut(), 'mdm.CheckOut'],
      [fx.macosUserAuthenticate(), 'mdm.UserAuthenticate'],
      [fx.setBootstrapToken(), 'mdm.SetBootstrapToken'],
      [fx.getBootstrapToken(), 'mdm.GetBootstrapToken'],
      [fx.declarativeManagement(), 'mdm.DeclarativeManagement'],
    ];
    for (const [raw, topic] of cases) assert.equal(webhookBody({ kind: 'checkin', raw }, ZERO).topic, topic);
    assert.equal(webhookBody({ kind: 'report', raw: fx.idleReport() }, ZERO).topic, 'mdm.Connect');
  });

  it('puts token_update_tally on a TokenUpdate only, after raw_payload', () => {
    const update = webhookBody({ kind: 'checkin', raw: fx.macosTokenUpdate(), tokenUpdateTally: 3 }, ZERO).body.toString('utf8');
    assert.match(update, /"raw_payload":"[^"]+","token_update_tally":3,"udid":/);
    assert.equal(json({ kind: 'checkin', raw: fx.macosAuthenticate(), tokenUpdateTally: 3 }).checkin_event.token_update_tally, undefined);
    assert.throws(() => webhookBody({ kind: 'checkin', raw: fx.macosTokenUpdate() }, ZERO), /token update tally is missing/);
  });

  it('a user channel has parent_id and the device UDID; keys in NanoMDM order', () => {
    const ids = fx.FIXTURE_IDS.macosUser;
    const body = webhookBody({ kind: 'checkin', raw: fx.macosUserTokenUpdate(), tokenUpdateTally: 1 }, ZERO).body.toString('utf8');
    assert.ok(body.startsWith(`{"checkin_event":{"ids":{"id":"${ids.udid}:${ids.userId}","parent_id":"${ids.udid}","type":"User"},"raw_payload":"`), body);
    assert.ok(body.endsWith(`"token_update_tally":1,"udid":"${ids.udid}"},"created_at":"0001-01-01T00:00:00Z","event_id":"test_event_id","topic":"mdm.TokenUpdate"}`), body);
  });

  it('a User Enrollment has enrollment_id and no udid; Shared iPad uses the short name', () => {
    const ue = json({ kind: 'checkin', raw: fx.userEnrollmentUserTokenUpdate(), tokenUpdateTally: 1 }).checkin_event;
    const ids = fx.FIXTURE_IDS.userEnrollmentUser;
    assert.deepEqual(ue.ids, { id: `${ids.enrollmentId}:${ids.enrollmentUserId}`, parent_id: ids.enrollmentId, type: 'User Enrollment' });
    assert.equal(ue.enrollment_id, ids.enrollmentId);
    assert.equal('udid' in ue, false);
    assert.equal(Object.keys(ue)[0], 'enrollment_id');
    const ipad = json({ kind: 'checkin', raw: fx.sharedIpadUserTokenUpdate(), tokenUpdateTally: 2 }).checkin_event;
    assert.deepEqual(ipad.ids.type, 'Shared iPad');
    assert.equal(ipad.ids.id, `${fx.FIXTURE_IDS.sharedIpadUser.udid}:${fx.FIXTURE_IDS.sharedIpadUser.userShortName}`);
  });

  it('an Idle report has no command_uuid but always a status; an empty event ID is left out', () => {
    const body = webhookBody({ kind: 'report', raw: fx.idleReport() }, { createdAt: '2026-01-02T03:04:05.5Z', eventId: '' }).body.toString('utf8');
    const parsed = JSON.parse(body);
    assert.deepEqual(Object.keys(parsed.acknowledge_event), ['ids', 'raw_payload', 'status', 'udid']);
    assert.equal(parsed.acknowledge_event.status, 'Idle');
    assert.deepEqual(Object.keys(parsed), ['acknowledge_event', 'created_at', 'topic']);
    assert.equal('url_params' in parsed.acknowledge_event, false);
  });

  it("escapes strings as Go's encoding/json does", () => {
    const raw = fx.idleReport({ udid: 'A<B>&C' });
    const body = webhookBody({ kind: 'report', raw }, ZERO).body.toString('utf8');
    assert.match(body, /"udid":"A\\u003cB\\u003e\\u0026C"/);
  });

  it('refuses a body that is not a check-in (the log is never expected to hold one)', () => {
    assert.throws(() => webhookBody({ kind: 'checkin', raw: Buffer.from('not a plist') }, ZERO));
  });
});
