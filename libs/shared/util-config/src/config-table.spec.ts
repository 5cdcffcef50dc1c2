import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CONFIG_TABLE_END,
  CONFIG_TABLE_START,
  configTableMarkdown,
  configurationSection,
  extractConfigTable,
  replaceConfigTable,
} from './config-table';
import type { SettingSpec } from './setting.types';

describe('config table', () => {
  const table = configTableMarkdown();

  it('has the documented columns and one row per setting', () => {
    const lines = table.trimEnd().split('\n');
    assert.equal(lines[0], '| Flag | Environment | Default | Services | Status | Description |');
    assert.ok(lines.includes('| `-ua-zl-dc` | `ESPALIER_UA_ZL_DC` | `false` | checkin | active | Answer the first UserAuthenticate with a zero-length DigestChallenge instead of 410. |'));
    assert.ok(lines.some((l) => l.startsWith('| `-database-url` | `DATABASE_URL` | required | all | active |')));
    assert.ok(lines.some((l) => l.startsWith('| `-secret-key` | `ESPALIER_SECRET_KEY` |  | all | active |')));
    assert.ok(lines.some((l) => l.includes('&lt;topic>.dlq')));
  });

  it('marks a planned setting with its issue', () => {
    // Synthetic: no catalog setting is planned today.
    const planned: SettingSpec = {
      key: 'someday', flag: '-someday', env: 'ESPALIER_SOMEDAY', kind: 'bool', default: 'false',
      description: 'Some day.', services: ['push'], status: { plannedIn: 42 },
    };
    assert.equal(configTableMarkdown([planned]).trimEnd().split('\n')[2], '| `-someday` | `ESPALIER_SOMEDAY` | `false` | push | planned (#42) | Some day. |');
  });

  it('replaces only the text between the markers', () => {
    const readme = `# Espalier\n\nintro\n\n${CONFIG_TABLE_START}\nold table\n${CONFIG_TABLE_END}\n\nmore\n`;
    const updated = replaceConfigTable(readme, table);
    assert.ok(updated?.startsWith(`# Espalier\n\nintro\n\n${CONFIG_TABLE_START}\n\n| Flag`));
    assert.ok(updated?.endsWith(`|\n\n${CONFIG_TABLE_END}\n\nmore\n`));
    assert.equal(extractConfigTable(updated ?? ''), table);
    assert.equal(replaceConfigTable(updated ?? '', table), updated);
  });

  it('reports missing markers instead of guessing', () => {
    assert.equal(replaceConfigTable('# no markers\n', table), undefined);
    assert.equal(extractConfigTable(`${CONFIG_TABLE_END}\n${CONFIG_TABLE_START}`), undefined);
  });

  it('builds a minimal Configuration section', () => {
    const section = configurationSection(table);
    assert.ok(section.startsWith(`## Configuration\n\n${CONFIG_TABLE_START}\n`));
    assert.equal(extractConfigTable(section), table);
  });
});
