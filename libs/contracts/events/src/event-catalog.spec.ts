import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeEvent, encodeEvent, eventCatalog, eventDefinitions, type EspalierEventType } from './event-catalog';
import { buildEvent, DEVICE_ID, PUSH_TOPIC, RAW_BYTES, sampleData, sampleMeta, secretBox, UNLOCK_TOKEN_PLAINTEXT, USER_CHANNEL_ID } from './event.fixtures';
import { ALL_TOPICS, TOPICS } from './topics';

const eventTypes = eventDefinitions.map((definition) => definition.type);

describe('event catalog', () => {
  it('has a fixture for, and only for, every event type', () => {
    assert.deepEqual(Object.keys(sampleData).sort(), [...eventTypes].sort());
    assert.equal(new Set(eventTypes).size, eventTypes.length);
  });

  it('puts every event type on a topic listed in ALL_TOPICS', () => {
    for (const definition of eventDefinitions) {
      assert.ok((ALL_TOPICS as readonly string[]).includes(definition.topic), `${definition.type} on ${definition.topic}`);
    }
  });

  it('keeps an upcaster for every older version, and invents none', () => {
    const versions = Object.fromEntries(eventDefinitions.map((d) => [d.type, d.version]));
    assert.deepEqual(
      Object.entries(versions).filter(([, v]) => v !== 1),
      [
        ['UserAuthenticated', 2],
        ['CommandReported', 2],
      ],
    );
    for (const definition of eventDefinitions) assert.equal(definition.upcastFrom.length, definition.version - 1, definition.type);
  });

  it('upcasts a UserAuthenticated v1 (no `stored`) to v2 with stored = true, as v1 was projected', () => {
    const v1 = { ...buildEvent('UserAuthenticated'), version: 1 } as Record<string, unknown>;
    const { stored: _dropped, ...dataV1 } = (v1.data as Record<string, unknown>);
    const decoded = decodeEvent({ value: JSON.stringify({ ...v1, data: dataV1 }), headers: { 'espalier-type': 'UserAuthenticated', 'espalier-version': '1' } });
    assert.equal(decoded.version, 2);
    assert.equal((decoded.data as { stored: boolean }).stored, true);
  });

  it('upcasts a CommandReported v1 to v2 with no certificate: such reports made no association', () => {
    const v1 = { ...buildEvent('CommandReported'), version: 1 } as Record<string, unknown>;
    const { certificate: _dropped, ...dataV1 } = v1.data as Record<string, unknown>;
    const decoded = decodeEvent({ value: JSON.stringify({ ...v1, data: dataV1 }), headers: { 'espalier-type': 'CommandReported', 'espalier-version': '1' } });
    assert.equal(decoded.version, 2);
    assert.equal((decoded.data as { certificate: unknown }).certificate, null);
  });

  describe('round trip', () => {
    for (const type of eventTypes) {
      it(`encodes and decodes ${type} unchanged`, () => {
        const event = buildEvent(type);
        const message = encodeEvent(event);
        assert.equal(message.topic, eventCatalog.definitionOf(type).topic);
        assert.deepEqual(JSON.parse(message.value.toString('utf8')), event);
        assert.deepEqual(message.headers, {
          'espalier-type': type,
          'espalier-version': String(eventCatalog.definitionOf(type).version),
          'espalier-event-id': event.eventId,
          'content-type': 'application/json',
        });
        assert.deepEqual(decodeEvent(message), event);
      });
    }

    it('decodes a string value and kafkajs-style Buffer headers', () => {
      const event = buildEvent('CommandDelivered');
      const { value, headers } = encodeEvent(event);
      const bufferHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, Buffer.from(v)]));
      assert.deepEqual(decodeEvent({ value: value.toString('utf8'), headers: bufferHeaders }), event);
    });

    it('keeps raw request bytes exactly, including bytes that are not UTF-8', () => {
      const decoded = decodeEvent(encodeEvent(buildEvent('CommandReported')));
      assert.ok(decoded.type === 'CommandReported');
      assert.deepEqual(Buffer.from(decoded.data.raw, 'base64'), RAW_BYTES);
    });
  });

  describe('keys', () => {
    it('keys enrollment events by the device-channel ID, so user channels share the device partition', () => {
      const device = encodeEvent(buildEvent('TokenUpdated'));
      const user = encodeEvent(
        buildEvent('TokenUpdated', { data: { enrollmentType: 'User', parentId: DEVICE_ID }, meta: { enrollmentId: USER_CHANNEL_ID } }),
      );
      assert.equal(device.key, DEVICE_ID);
      assert.equal(user.key, DEVICE_ID);
    });

    it('keys command and push events of one enrollment by its device-channel ID', () => {
      const meta = { enrollmentId: USER_CHANNEL_ID, deviceId: DEVICE_ID };
      for (const type of ['CommandQueued', 'CommandDelivered', 'CommandReported', 'PushSent', 'PushFailed'] as const) {
        assert.equal(encodeEvent(buildEvent(type, { meta })).key, DEVICE_ID, type);
      }
    });

    it('falls back to enrollmentId, then eventId, when the envelope has no device', () => {
      const withEnrollment = buildEvent('PushRequested', { meta: { deviceId: null, enrollmentId: 'enrollment-1' } });
      const bare = buildEvent('PushRequested', { meta: { deviceId: null, enrollmentId: null } });
      assert.equal(encodeEvent(withEnrollment).key, 'enrollment-1');
      assert.equal(encodeEvent(bare).key, bare.eventId);
    });

    it('keys CommandSubmitted and CommandRejected by commandUuid (split per enrollment later)', () => {
      const meta = { deviceId: null, enrollmentId: null, source: 'api' as const };
      const submitted = encodeEvent(buildEvent('CommandSubmitted', { meta }));
      const rejected = encodeEvent(buildEvent('CommandRejected', { meta }));
      assert.equal(submitted.key, sampleData.CommandSubmitted.commandUuid);
      assert.equal(rejected.key, submitted.key);
    });

    it('keys PushCertUploaded by APNs topic', () => {
      const message = encodeEvent(buildEvent('PushCertUploaded', { meta: { deviceId: null, enrollmentId: null, source: 'api' } }));
      assert.equal(message.key, PUSH_TOPIC);
      assert.equal(message.topic, TOPICS.push);
    });
  });

  describe('create', () => {
    it('is pure: the same inputs give the same event', () => {
      const meta = sampleMeta();
      assert.deepEqual(eventCatalog.create('CommandDelivered', { commandUuid: 'u' }, meta), eventCatalog.create('CommandDelivered', { commandUuid: 'u' }, meta));
    });

    it('names the invalid data field', () => {
      assert.throws(
        () => buildEvent('TokenUpdated', { data: { token: 42 as unknown as string } }),
        { name: 'EventEncodeError', message: /^creating event TokenUpdated: data\.token: invalid input: expected string/ },
      );
      assert.throws(() => buildEvent('TokenUpdated', { data: { token: 'ABC' } }), /data\.token: expected lowercase hex bytes/);
      assert.throws(() => buildEvent('CommandSubmitted', { data: { enrollmentIds: [] } }), /data\.enrollmentIds: too small/);
      assert.throws(() => buildEvent('CommandReported', { data: { raw: 'not base64!' } }), /data\.raw: invalid base64/);
    });

    it('requires the subject fields an event declares', () => {
      assert.throws(() => buildEvent('TokenUpdated', { meta: { deviceId: null } }), /creating event TokenUpdated: deviceId: invalid input: expected string, received null/);
      assert.doesNotThrow(() => buildEvent('QueueCleared', { meta: { enrollmentId: null } }));
    });

    it('validates the envelope meta', () => {
      assert.throws(() => buildEvent('CommandDelivered', { meta: { eventId: '6ba7b810-9dad-11d1-80b4-00c04fd430c8' } }), /eventId: invalid UUID/);
      assert.throws(() => buildEvent('CommandDelivered', { meta: { occurredAt: 'yesterday' } }), /occurredAt: invalid ISO datetime/);
      assert.throws(() => buildEvent('CommandDelivered', { meta: { source: 'cli' as 'api' } }), /source: invalid option/);
    });
  });

  describe('encode', () => {
    it('refuses an event that no longer matches its schema', () => {
      const event = buildEvent('PushSent');
      assert.throws(() => encodeEvent({ ...event, data: { ...event.data, apnsId: '' } }), /encoding event PushSent v1: data\.apnsId: too small/);
    });

    it('refuses unknown types', () => {
      const event = { ...buildEvent('PushSent'), type: 'PushExploded' } as unknown as Parameters<typeof encodeEvent>[0];
      assert.throws(() => encodeEvent(event), /encoding event: unknown type "PushExploded"/);
    });
  });

  describe('secrets', () => {
    it('never carries the plaintext of a sealed secret', () => {
      const message = encodeEvent(buildEvent('TokenUpdated'));
      assert.equal(message.value.includes(UNLOCK_TOKEN_PLAINTEXT), false);
      assert.equal(message.value.includes(UNLOCK_TOKEN_PLAINTEXT.toString('base64')), false);
      const decoded = decodeEvent(message);
      assert.ok(decoded.type === 'TokenUpdated' && decoded.data.unlockToken);
      assert.deepEqual(secretBox.open(decoded.data.unlockToken), UNLOCK_TOKEN_PLAINTEXT);
      assert.deepEqual(secretBox.open(decoded.data.raw), RAW_BYTES);
    });

    it('records a cleared bootstrap token as null', () => {
      const decoded = decodeEvent(encodeEvent(buildEvent('BootstrapTokenSet', { data: { token: null } })));
      assert.ok(decoded.type === 'BootstrapTokenSet');
      assert.equal(decoded.data.token, null);
    });

    it('rejects a plain string where a sealed secret belongs', () => {
      assert.throws(() => buildEvent('PushCertUploaded', { data: { privateKey: 'PEM' as never } }), /data\.privateKey: invalid input: expected object/);
    });
  });

  it('exposes typed definitions by type and undefined for unknown ones', () => {
    const type: EspalierEventType = 'QueueCleared';
    assert.equal(eventCatalog.definitionOf(type).topic, 'mdm.command');
    assert.equal(eventCatalog.definitionOf('Nope'), undefined);
  });
});
