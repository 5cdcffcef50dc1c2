import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseArgv } from './argv';
import { settingsCatalog } from './settings.catalog';

function texts(argv: string[]): Record<string, string> {
  const parsed = parseArgv(argv, settingsCatalog);
  assert.deepEqual(parsed.errors, []);
  return Object.fromEntries(parsed.assignments.map((a) => [a.spec.flag, a.text]));
}

describe('parseArgv', () => {
  it('accepts -flag value, -flag=value, --flag value and --flag=value', () => {
    for (const argv of [['-listen', ':1'], ['-listen=:1'], ['--listen', ':1'], ['--listen=:1']]) {
      assert.deepEqual(texts(argv), { '-listen': ':1' }, argv.join(' '));
    }
  });

  it('keeps everything after the first = and takes a dash-leading next word as a value, like Go', () => {
    assert.deepEqual(texts(['-database-url=postgres://u:a=b@db/x']), { '-database-url': 'postgres://u:a=b@db/x' });
    assert.deepEqual(texts(['-secret-key-id', '-k2']), { '-secret-key-id': '-k2' });
  });

  it('reads a bare bool flag as true and -flag=<bool> as given', () => {
    assert.deepEqual(texts(['-debug', '--migrate=false', '-kafka-provision=0']), {
      '-debug': 'true', '-migrate': 'false', '-kafka-provision': '0',
    });
  });

  it('refuses "-bool false" instead of ignoring the word, with a hint', () => {
    const parsed = parseArgv(['-migrate', 'false'], settingsCatalog);
    assert.deepEqual(parsed.errors, ['unexpected argument "false": write -migrate=false to give a bool flag a value']);
  });

  it('reports unknown flags by name only, never their value', () => {
    const parsed = parseArgv(['-storage-dsn=secret-dsn', '--nope'], settingsCatalog);
    assert.deepEqual(parsed.errors, ['unknown flag: -storage-dsn', 'unknown flag: -nope']);
  });

  it('reports a missing value and stray arguments', () => {
    assert.deepEqual(parseArgv(['-listen'], settingsCatalog).errors, ['flag needs a value: -listen']);
    assert.deepEqual(parseArgv(['serve'], settingsCatalog).errors, ['unexpected argument "serve": settings are flags (-name value)']);
  });

  it('recognises -h, -help and --help', () => {
    for (const flag of ['-h', '-help', '--help']) assert.equal(parseArgv(['-debug', flag], settingsCatalog).help, true);
  });

  it('lets the last of a repeated flag win', () => {
    const parsed = parseArgv(['-log-level', 'warn', '-log-level=error'], settingsCatalog);
    assert.equal(new Map(parsed.assignments.map((a) => [a.spec.flag, a.text])).get('-log-level'), 'error');
  });
});
