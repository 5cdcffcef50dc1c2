import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './load-config';
import type { SettingSpec } from './setting.types';
import { usageText } from './usage';

function help(service: 'checkin' | 'commands' | 'push' | 'api', env: Record<string, string> = {}): string {
  const result = loadConfig({ argv: ['-h'], env, service });
  assert.equal(result.ok, 'help');
  return (result as { text: string }).text;
}

describe('help text', () => {
  it('lists every setting of the service with its variable and default', () => {
    const text = help('checkin');
    assert.match(text, /^Usage of espalier checkin:\n/);
    assert.match(text, /  -listen hostport\n    \tHTTP listen address\. .* \[ESPALIER_LISTEN\] \(default ":9000"\)\n/);
    assert.match(text, /  -ua-zl-dc\n    \t.*\[ESPALIER_UA_ZL_DC\] \(default "false"\)\n/);
    assert.ok(!text.includes('not implemented yet'), 'no catalog setting is planned');
    assert.match(text, /  -database-url url\n    \t.*\[DATABASE_URL\] \(required\)\n/);
    assert.match(text, /  -version\n    \tPrint the version and exit\. \(default "false"\)\n/);
    for (const flag of ['-ca', '-dm', '-secret-key', '-catch-up-timeout', '-log-level', '-h, -help']) {
      assert.ok(text.includes(`  ${flag}`), flag);
    }
  });

  it('leaves out settings of other services', () => {
    const text = help('push');
    assert.ok(text.includes('  -apns-url url'));
    assert.ok(!text.includes('-push-wait'));
    assert.ok(!text.includes('-ca '));
  });

  it('leaves out settings only npm start reads', () => {
    for (const service of ['checkin', 'commands', 'push', 'api'] as const) assert.ok(!help(service).includes('-disable-mdm'), service);
  });

  it('marks a planned setting with its issue', () => {
    // Synthetic: no catalog setting is planned today, but the next one must still say so.
    const planned: SettingSpec = {
      key: 'someday', flag: '-someday', env: 'ESPALIER_SOMEDAY', kind: 'bool', default: 'false',
      description: 'Some day.', services: ['push'], status: { plannedIn: 42 },
    };
    assert.equal(
      usageText([planned], 'push', {}),
      'Usage of espalier push:\n  -someday\n    \tSome day. [ESPALIER_SOMEDAY] (default "false") (not implemented yet: planned in issue #42)\n  -h, -help\n    \tPrint this help and exit.\n',
    );
  });

  it('says a variable is set without printing it, even for non-secrets', () => {
    const text = help('api', { ESPALIER_API: 'super-secret-api-key', DATABASE_URL: 'postgres://u:pw@db/x' });
    assert.ok(text.includes('[ESPALIER_API is set]'));
    assert.ok(text.includes('[DATABASE_URL is set]'));
    assert.ok(text.includes('[ESPALIER_PUSH_WAIT]'));
    assert.ok(!text.includes('super-secret-api-key'));
    assert.ok(!text.includes('pw@db'));
  });
});
