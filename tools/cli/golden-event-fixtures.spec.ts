import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkGoldenFixtures, eventCatalog, eventDefinitions } from '@espalier/contracts/events';
import { createMissingGoldenFixtures, GOLDEN_DIR, loadGoldenFixtures } from './golden-event-fixtures';

describe('golden event fixtures (schema-evolution guard)', () => {
  it('every version of every event has a fixture that still decodes to the current shape, topic and key', () => {
    const fixtures = loadGoldenFixtures();
    assert.equal(fixtures.size, eventDefinitions.reduce((n, d) => n + d.version, 0));
    assert.deepEqual(checkGoldenFixtures(eventCatalog, fixtures), []);
  });

  it('includes older versions, which decode only through their upcasters', () => {
    const fixtures = loadGoldenFixtures();
    const old = eventDefinitions.filter((d) => d.version > 1).map((d) => `${d.type}.v1`);
    assert.ok(old.length > 0);
    for (const name of old) {
      const fixture = fixtures.get(name);
      assert.ok(fixture, name);
      assert.equal(JSON.parse(fixture.value).version, 1);
      assert.equal(eventCatalog.decode(fixture).version, eventCatalog.definitionOf(name.split('.')[0])?.version);
    }
  });

  describe('generator', () => {
    it('creates current versions only, reports older ones, and never rewrites a fixture', () => {
      const dir = mkdtempSync(join(tmpdir(), 'golden-'));
      try {
        writeFileSync(join(dir, 'TokenUpdated.v1.json'), 'frozen\n');
        const first = createMissingGoldenFixtures(dir);
        const current = eventDefinitions.map((d) => `${d.type}.v${d.version}`).filter((n) => n !== 'TokenUpdated.v1');
        assert.deepEqual([...first.created].sort(), current.sort());
        assert.deepEqual([...first.missingOld].sort(), ['CommandReported.v1', 'UserAuthenticated.v1']);
        assert.equal(readFileSync(join(dir, 'TokenUpdated.v1.json'), 'utf8'), 'frozen\n', 'an existing fixture is left alone');
        const before = readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]);
        const second = createMissingGoldenFixtures(dir);
        assert.deepEqual(second.created, []);
        assert.deepEqual(readdirSync(dir).map((f) => [f, readFileSync(join(dir, f), 'utf8')]), before, 'a second run changes nothing');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('the committed directory holds exactly one fixture per catalog event version', () => {
      const names = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.json'));
      const expected = eventDefinitions.flatMap((d) => Array.from({ length: d.version }, (_, i) => `${d.type}.v${i + 1}.json`));
      assert.deepEqual(names.sort(), expected.sort());
    });
  });
});
