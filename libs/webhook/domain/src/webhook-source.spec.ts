import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, type EspalierEvent } from '@espalier/contracts/events';
import { webhookSourceOf } from './webhook-source';
import { applyToTallies, type Tallies } from './token-update-tally';

const DEVICE = '470E005B-8CD0-4DB9-A1B3-0EBC340D432A';
const USER = `${DEVICE}:F151140B-0A8E-4B3B-8E7A-6C1B9F2C1D00`;
const RAW = Buffer.from('<plist/>').toString('base64');
const CERT = { hash: 'a'.repeat(64), association: 'existing' as const };
const SEALED = { alg: 'A256GCM' as const, keyId: 'k1', iv: 'AAAA', tag: 'AAAA', ciphertext: 'AAAA' };
let n = 0;
const meta = (enrollmentId = DEVICE) => ({
  eventId: `0190a000-0000-7000-8000-${String(++n).padStart(12, '0')}`, occurredAt: '2026-01-01T00:00:00Z', enrollmentId, deviceId: DEVICE,
  source: 'checkin' as const, correlationId: 'c', causationId: null,
});
const authenticated = (certificate: typeof CERT | null = CERT) =>
  createEvent('EnrollmentAuthenticated', { enrollmentType: 'Device', topic: 't', certificate, raw: RAW }, meta()) as EspalierEvent;
const tokenUpdated = (enrollmentId = DEVICE, certificate: typeof CERT | null = CERT) =>
  createEvent(
    'TokenUpdated',
    { enrollmentType: enrollmentId === DEVICE ? 'Device' : 'User', parentId: enrollmentId === DEVICE ? null : DEVICE, pushTopic: 't', token: 'aa', pushMagic: 'm', certificate, raw: SEALED },
    meta(enrollmentId),
  ) as EspalierEvent;
const checkedOut = () => createEvent('EnrollmentCheckedOut', { certificate: CERT, raw: RAW }, meta()) as EspalierEvent;

describe('webhookSourceOf', () => {
  it('a check-in event is a check-in webhook with its exact bytes', () => {
    assert.deepEqual(webhookSourceOf(authenticated()), { kind: 'checkin', raw: { base64: RAW }, tokenUpdate: false });
  });

  it('a TokenUpdate is opened with its enrollment ID as associated data, and carries the tally', () => {
    assert.deepEqual(webhookSourceOf(tokenUpdated(USER)), { kind: 'checkin', raw: { sealed: SEALED, aad: USER }, tokenUpdate: true });
  });

  it('a command report, Idle included, is an acknowledge webhook', () => {
    const idle = createEvent('CommandReported', { commandUuid: null, status: 'Idle', notNow: false, certificate: null, raw: RAW }, { ...meta(), source: 'commands' });
    assert.deepEqual(webhookSourceOf(idle as EspalierEvent), { kind: 'report', raw: { base64: RAW }, tokenUpdate: false });
  });

  it('a /migration check-in (no certificate) and events that are no device request give none', () => {
    assert.equal(webhookSourceOf(authenticated(null)), null);
    assert.equal(webhookSourceOf(tokenUpdated(DEVICE, null)), null);
    const queued = createEvent('CommandQueued', { commandUuid: 'u', requestType: 'DeviceInformation', noPush: false }, { ...meta(), source: 'commands' });
    assert.equal(webhookSourceOf(queued as EspalierEvent), null);
  });
});

describe('applyToTallies (NanoMDM token_update_tally)', () => {
  it('counts TokenUpdates per enrollment; Authenticate and CheckOut reset the device and its user channels', () => {
    const tallies: Tallies = new Map();
    const run = (events: EspalierEvent[]) => events.map((e) => applyToTallies(tallies, e));
    assert.deepEqual(run([tokenUpdated(), tokenUpdated(), tokenUpdated(USER)]), [1, 2, 1]);
    assert.deepEqual(run([authenticated(), tokenUpdated(), tokenUpdated(USER)]), [undefined, 1, 1]);
    assert.deepEqual(run([tokenUpdated(USER), checkedOut(), tokenUpdated()]), [2, undefined, 1]);
    assert.deepEqual(tallies.get(USER), { deviceId: DEVICE, tally: 0 });
  });

  it('counts migrated TokenUpdates too (NanoMDM stores them through its core service)', () => {
    const tallies: Tallies = new Map();
    applyToTallies(tallies, tokenUpdated(DEVICE, null));
    assert.equal(applyToTallies(tallies, tokenUpdated()), 2);
  });
});
