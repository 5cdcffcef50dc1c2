import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { eventCatalog, eventDefinitions } from './event-catalog';

type ObjectSchema = { required: string[]; properties: Record<string, ObjectSchema & { const?: unknown; anyOf?: unknown[] }> };

describe('eventCatalog.jsonSchemas', () => {
  const schemas = eventCatalog.jsonSchemas();

  it('has one draft 2020-12 schema per event type and version, old versions included', () => {
    const expected = eventDefinitions.flatMap((d) => Array.from({ length: d.version }, (_, i) => `${d.type}.v${i + 1}`));
    assert.deepEqual(Object.keys(schemas).sort(), expected.sort());
    for (const schema of Object.values(schemas)) assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  it('requires every envelope field, with type and version as constants', () => {
    const schema = schemas['TokenUpdated.v1'] as unknown as ObjectSchema;
    assert.deepEqual(
      [...schema.required].sort(),
      ['causationId', 'correlationId', 'data', 'deviceId', 'enrollmentId', 'eventId', 'occurredAt', 'source', 'type', 'version'],
    );
    assert.equal(schema.properties.type.const, 'TokenUpdated');
    assert.equal(schema.properties.version.const, 1);
    assert.ok(schema.properties.data.required.includes('token'));
    assert.ok(!schema.properties.data.required.includes('unlockToken'), 'optional stays optional');
  });

  it('uses only standard formats: zod\'s own checks ("base64", "starts_with") stay as patterns', () => {
    const formats = new Set(JSON.stringify(schemas).match(/"format":"[^"]*"/g));
    assert.deepEqual([...formats].sort(), ['"format":"date-time"', '"format":"uuid"']);
    const raw = (schemas['EnrollmentCheckedOut.v1'] as unknown as { properties: { data: { properties: { raw: Record<string, unknown> } } } }).properties.data.properties.raw;
    assert.equal(raw.contentEncoding, 'base64');
    assert.equal(typeof raw.pattern, 'string');
  });

  it('keeps unscoped subjects nullable', () => {
    const schema = schemas['PushRequested.v1'] as unknown as ObjectSchema;
    assert.ok(Array.isArray(schema.properties.deviceId.anyOf), 'deviceId may be null');
  });
});
