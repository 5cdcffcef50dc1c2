import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createEvent, type EventMeta } from '@espalier/contracts/events';
import { historyEntryOf } from './history-entry';

const meta = <M extends Partial<EventMeta>>(over: M = {} as M) => ({
  eventId: '0192d6a4-8b3c-7a1e-9f00-000000000001',
  occurredAt: '2026-11-26T10:00:00.000Z',
  enrollmentId: 'DEV-1',
  deviceId: 'DEV-1',
  source: 'checkin',
  correlationId: 'C-1',
  causationId: null,
  ...over,
}) as EventMeta & { enrollmentId: string; deviceId: string };
const sealed = { alg: 'A256GCM' as const, keyId: 'k', iv: 'AAAAAAAAAAAAAAAA', tag: 'AAAAAAAAAAAAAAAAAAAAAA==', ciphertext: 'AAAA' };

describe('historyEntryOf', () => {
  it('shows a TokenUpdate without its token, PushMagic, unlock token or request bytes, and names what it withheld', () => {
    const event = createEvent(
      'TokenUpdated',
      { enrollmentType: 'Device', parentId: null, pushTopic: 'com.apple.mgmt.X', token: 'aabb', pushMagic: 'MAGIC', unlockToken: sealed, certificate: { hash: 'ab'.repeat(32), association: 'existing' as const }, raw: sealed },
      meta(),
    );
    const entry = historyEntryOf(event);
    assert.deepStrictEqual(entry?.enrollmentIds, ['DEV-1']);
    assert.deepStrictEqual(entry?.data, { enrollmentType: 'Device', parentId: null, pushTopic: 'com.apple.mgmt.X', certificate: { hash: 'ab'.repeat(32), association: 'existing' } });
    assert.deepStrictEqual(entry?.withheld, ['token', 'pushMagic', 'unlockToken', 'raw']);
    assert.doesNotMatch(JSON.stringify(entry), /MAGIC|aabb/);
  });

  it('puts a many-target event in each target\'s history once, with a count instead of the list', () => {
    const event = createEvent('PushRequested', { enrollmentIds: ['A', 'B', 'A'] }, meta({ enrollmentId: null, deviceId: null, source: 'api' }));
    assert.deepStrictEqual(historyEntryOf(event), { enrollmentIds: ['A', 'B'], data: { enrollmentCount: 3 }, withheld: [] });
  });

  it('leaves out events about no enrollment, and submissions (their CommandQueued or CommandRejected is the history)', () => {
    const cert = createEvent(
      'PushCertUploaded',
      { topic: 'com.apple.mgmt.X', certificatePem: '-----BEGIN CERTIFICATE-----x', privateKey: sealed, notAfter: '2027-01-01T00:00:00Z' },
      meta({ enrollmentId: null, deviceId: null, source: 'api' }),
    );
    const submitted = createEvent(
      'CommandSubmitted',
      { commandUuid: 'U', requestType: 'DeviceLock', payload: 'PD94', enrollmentIds: ['A'], noPush: false },
      meta({ enrollmentId: null, deviceId: null, source: 'api' }),
    );
    assert.equal(historyEntryOf(cert), null);
    assert.equal(historyEntryOf(submitted), null);
  });
});
