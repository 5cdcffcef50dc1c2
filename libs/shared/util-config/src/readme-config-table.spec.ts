import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { configTableMarkdown, extractConfigTable } from './config-table';

const README = resolve(__dirname, '../../../../README.md');

describe('README.md', () => {
  it('has the configuration table generated from the catalog (npm run docs:config -- --write README.md)', () => {
    const table = extractConfigTable(readFileSync(README, 'utf8'));
    assert.notEqual(table, undefined, 'README.md lacks the config-table markers');
    assert.equal(table, configTableMarkdown());
  });
});
