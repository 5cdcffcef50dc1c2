import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventDefinitions } from '@espalier/contracts/events';
import { findDrift, renderEventSchemaFiles, writeEventSchemas } from './export-event-schemas';

describe('docs/events JSON Schemas', () => {
  it('are up to date with the event catalog (run `npm run events:schema` if this fails)', () => {
    assert.deepEqual(findDrift(), []);
  });

  it('render one file per event version plus an index', () => {
    const files = renderEventSchemaFiles();
    for (const { type, version } of eventDefinitions) assert.ok(files.has(`${type}.v${version}.schema.json`), type);
    const index = JSON.parse(files.get('index.json') ?? '{}') as { events: { type: string; version: number; topic: string }[] };
    assert.equal(index.events.length, eventDefinitions.reduce((n, d) => n + d.version, 0));
    assert.ok(index.events.every((entry) => entry.topic.startsWith('mdm.')));
    const asyncapi = JSON.parse(files.get('asyncapi.json') ?? '{}') as { asyncapi: string; components: { messages: Record<string, unknown> } };
    assert.equal(asyncapi.asyncapi, '3.0.0');
    for (const name of index.events.map((e) => `${e.type}.v${e.version}`)) assert.ok(asyncapi.components.messages[name], name);
  });

  it('detects changed, missing and stale files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'event-schemas-'));
    try {
      assert.ok(findDrift(dir).includes('index.json'), 'missing');
      writeEventSchemas(dir);
      assert.deepEqual(findDrift(dir), []);
      writeFileSync(join(dir, 'TokenUpdated.v1.schema.json'), '{}\n');
      writeFileSync(join(dir, 'Retired.v1.schema.json'), '{}\n');
      writeFileSync(join(dir, 'asyncapi.json'), '{}\n');
      assert.deepEqual(findDrift(dir), ['Retired.v1.schema.json', 'TokenUpdated.v1.schema.json', 'asyncapi.json']);
      writeEventSchemas(dir);
      assert.deepEqual(findDrift(dir), [], 'regenerating removes stale files');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
