import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ESLint } from 'eslint';

const root = path.resolve(__dirname, '../..');

/**
 * The architecture's import rules are enforced by lint (STYLE.md): these
 * cases prove the rule bites, by linting source text as if it were a file in
 * the named lib.
 */
async function lint(file: string, code: string): Promise<string[]> {
  process.env.NX_DAEMON = 'false';
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
  return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
}

describe('module boundaries', () => {
  for (const [pkg, statement] of [
    ['pg', "import { Pool } from 'pg';"],
    ['kafkajs', "import { Kafka } from 'kafkajs';"],
    ['@nestjs/common', "import { Injectable } from '@nestjs/common';"],
  ] as const) {
    it(`a contract lib importing ${pkg} fails lint`, async () => {
      const errors = await lint('libs/contracts/events/src/probe.ts', `${statement}\nexport const x = 1;\n`);
      assert.equal(errors.length, 1);
      assert.match(errors[0], new RegExp(`not allowed to import "${pkg.replace('/', '\\/')}"`));
    });
  }

  it('a contract lib importing a data-access lib fails lint', async () => {
    const errors = await lint('libs/contracts/events/src/probe.ts', "import { KafkaEventLog } from '@espalier/shared/data-access-kafka';\nexport const x = KafkaEventLog;\n");
    assert.equal(errors.length, 1);
    assert.match(errors[0], /type:contract/);
  });

  it('a util lib importing a feature lib fails lint', async () => {
    const errors = await lint('libs/shared/util-ids/src/probe.ts', "import { RuntimeModule } from '@espalier/shared/feature-runtime';\nexport const x = RuntimeModule;\n");
    assert.equal(errors.length, 1);
  });

  it('scope:webhook may import itself and shared, not another service scope', async () => {
    const crossScope = await lint('libs/webhook/feature/src/probe.ts', "import { DEFAULT_RETRY } from '@espalier/push/domain';\nexport const x = DEFAULT_RETRY;\n");
    assert.equal(crossScope.length, 1);
    assert.match(crossScope[0], /scope:webhook/);
    const allowed = await lint(
      'libs/webhook/domain/src/probe.ts',
      "import { decodeCheckin } from '@espalier/mdm/protocol';\nimport { TOPICS } from '@espalier/contracts/events';\nexport const x = [decodeCheckin, TOPICS];\n",
    );
    assert.deepEqual(allowed, []);
    const io = await lint('libs/webhook/domain/src/probe.ts', "import { Pool } from 'pg';\nexport const x = Pool;\n");
    assert.equal(io.length, 1);
  });

  it('an app may import feature, data-access, contract and util libs', async () => {
    const errors = await lint(
      'apps/push/src/probe.ts',
      [
        "import { bootstrapService } from '@espalier/shared/feature-runtime';",
        "import { createPool } from '@espalier/shared/data-access-postgres';",
        "import { TOPICS } from '@espalier/contracts/events';",
        "import { uuidv7 } from '@espalier/shared/util-ids';",
        'export const x = [bootstrapService, createPool, TOPICS, uuidv7];',
      ].join('\n'),
    );
    assert.deepEqual(errors, []);
  });
});
