// The generic mechanism, exercised on a test-only catalog (the real catalog has no old versions).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { createCatalog } from './catalog';
import { defineEvent, upcaster } from './define-event';
import { EventDecodeError } from './event.errors';
import { sampleMeta } from './event.fixtures';

const v1 = z.object({ name: z.string() });
const v2 = z.object({ name: z.string(), locale: z.string() });
const v3 = z.object({ displayName: z.string().min(1), locale: z.string() });

function testCatalog(calls: string[] = []) {
  const WidgetRenamed = defineEvent({
    type: 'WidgetRenamed',
    version: 3,
    topic: 'test.widgets',
    data: v3,
    requires: ['deviceId'],
    key: (event) => `widget:${event.deviceId}`,
    keyRule: '"widget:" + deviceId',
    upcastFrom: [
      // Listed out of order on purpose: the chain is sorted by version.
      upcaster({
        version: 2,
        data: v2,
        upcast: (old) => {
          calls.push('v2→v3');
          if (old.locale === 'boom') throw new Error('locale "boom" has no mapping');
          return { displayName: old.name, locale: old.locale };
        },
      }),
      upcaster({
        version: 1,
        data: v1,
        upcast: (old) => {
          calls.push('v1→v2');
          return { name: old.name, locale: 'en' };
        },
      }),
    ],
  });
  const WidgetDeleted = defineEvent({ type: 'WidgetDeleted', version: 1, topic: 'test.widgets', data: z.object({}) });
  return createCatalog([WidgetRenamed, WidgetDeleted]);
}

function stored(version: number, data: unknown) {
  const meta = sampleMeta();
  return { value: JSON.stringify({ ...meta, type: 'WidgetRenamed', version, data }) };
}

describe('createCatalog (generic mechanism)', () => {
  describe('upcaster chain', () => {
    it('lifts v1 through v2 to v3, running each upcaster once in order', () => {
      const calls: string[] = [];
      const message = stored(1, { name: 'Lobby iPad' });
      const event = testCatalog(calls).decode(message);
      assert.deepEqual(calls, ['v1→v2', 'v2→v3']);
      assert.equal(event.version, 3);
      assert.deepEqual(event.data, { displayName: 'Lobby iPad', locale: 'en' });
      assert.equal(event.eventId, JSON.parse(message.value).eventId, 'the envelope is kept');
    });

    it('lifts v2 to v3 with only the last upcaster', () => {
      const calls: string[] = [];
      const event = testCatalog(calls).decode(stored(2, { name: 'Kiosk', locale: 'fr' }));
      assert.deepEqual(calls, ['v2→v3']);
      assert.deepEqual(event.data, { displayName: 'Kiosk', locale: 'fr' });
    });

    it('decodes the current version without upcasting', () => {
      const calls: string[] = [];
      testCatalog(calls).decode(stored(3, { displayName: 'Kiosk', locale: 'fr' }));
      assert.deepEqual(calls, []);
    });

    it('validates old data against its frozen schema and names the field', () => {
      assert.throws(() => testCatalog().decode(stored(1, { name: 5 })), {
        name: 'EventDecodeError',
        message: 'decoding event WidgetRenamed v1: data.name: invalid input: expected string, received number (as v1)',
      });
    });

    it('wraps a failing upcaster in EventDecodeError', () => {
      assert.throws(
        () => testCatalog().decode(stored(2, { name: 'x', locale: 'boom' })),
        (err: unknown) =>
          err instanceof EventDecodeError &&
          err.message === 'decoding event WidgetRenamed v2: upcasting v2 to v3: locale "boom" has no mapping' &&
          err.cause instanceof Error,
      );
    });

    it('validates the upcast result against the current schema', () => {
      assert.throws(() => testCatalog().decode(stored(1, { name: '' })), {
        name: 'EventDecodeError',
        message: /^decoding event WidgetRenamed v1: data\.displayName: too small/,
      });
    });

    it('rejects a version newer than the definition', () => {
      assert.throws(() => testCatalog().decode(stored(4, {})), /version 4 is newer than the catalog's v3/);
    });
  });

  describe('encode and create', () => {
    it('uses the definition key function and its topic', () => {
      const catalog = testCatalog();
      const event = catalog.create('WidgetRenamed', { displayName: 'Kiosk', locale: 'fr' }, sampleMeta({ deviceId: 'dev-1' }) as never);
      const message = catalog.encode(event);
      assert.equal(message.key, 'widget:dev-1');
      assert.equal(message.topic, 'test.widgets');
      assert.equal(message.headers['espalier-version'], '3');
    });

    it('only writes the current version', () => {
      const catalog = testCatalog();
      const event = catalog.create('WidgetRenamed', { displayName: 'Kiosk', locale: 'fr' }, sampleMeta() as never);
      assert.throws(() => catalog.encode({ ...event, version: 2 } as never), /encoding event WidgetRenamed v2: only the current v3 can be written/);
    });
  });

  describe('definition checks at start-up', () => {
    it('requires upcasters for every older version', () => {
      const missing = () =>
        defineEvent({ type: 'Gap', version: 3, topic: 't', data: v3, upcastFrom: [upcaster({ version: 2, data: v2, upcast: (o) => o })] });
      assert.throws(missing, /defining event Gap v3: upcasters must cover v1 to v2, missing v1/);
    });

    it('rejects non-PascalCase types and bad versions', () => {
      assert.throws(() => defineEvent({ type: 'widget-renamed', version: 1, topic: 't', data: v1 }), /type must be PascalCase/);
      assert.throws(() => defineEvent({ type: 'Widget', version: 0, topic: 't', data: v1 }), /version must be an integer >= 1/);
    });

    it('requires a keyRule with a custom key, so subscribers learn how records are keyed', () => {
      assert.throws(() => defineEvent({ type: 'Keyed', version: 1, topic: 't', data: v1, key: () => 'k' }), /defining event Keyed v1: a custom key needs a keyRule/);
      assert.match(defineEvent({ type: 'Plain', version: 1, topic: 't', data: v1, requires: ['deviceId'] }).keyRule, /^deviceId: the device-channel ID/);
    });

    it('rejects duplicate types in one catalog', () => {
      const a = defineEvent({ type: 'Same', version: 1, topic: 't', data: v1 });
      assert.throws(() => createCatalog([a, a]), /creating event catalog: duplicate type "Same"/);
    });
  });

  describe('jsonSchemas', () => {
    it('exports every version of every event, old ones included', () => {
      const schemas = testCatalog().jsonSchemas();
      assert.deepEqual(Object.keys(schemas).sort(), ['WidgetDeleted.v1', 'WidgetRenamed.v1', 'WidgetRenamed.v2', 'WidgetRenamed.v3']);
    });

    it('describes the envelope with that version\'s frozen data shape', () => {
      const schema = testCatalog().jsonSchemas()['WidgetRenamed.v1'] as {
        title: string;
        'x-espalier-topic': string;
        required: string[];
        properties: Record<string, { const?: unknown; type?: unknown; required?: string[] }>;
      };
      assert.equal(schema.title, 'WidgetRenamed v1');
      assert.equal(schema['x-espalier-topic'], 'test.widgets');
      assert.equal(schema.properties.type.const, 'WidgetRenamed');
      assert.equal(schema.properties.version.const, 1);
      assert.deepEqual(schema.properties.data.required, ['name']);
      assert.equal(schema.properties.deviceId.type, 'string', 'required subject is not nullable');
      assert.ok(schema.required.includes('causationId'));
    });
  });
});
