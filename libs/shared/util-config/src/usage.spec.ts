import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from './load-config';

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
    assert.match(text, /  -disable-mdm\n    \t.*\[ESPALIER_DISABLE_MDM\] \(default "false"\) \(not implemented yet: planned in issue #8\)\n/);
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

  it('says a variable is set without printing it, even for non-secrets', () => {
    const text = help('api', { ESPALIER_API: 'super-secret-api-key', DATABASE_URL: 'postgres://u:pw@db/x' });
    assert.ok(text.includes('[ESPALIER_API is set]'));
    assert.ok(text.includes('[DATABASE_URL is set]'));
    assert.ok(text.includes('[ESPALIER_PUSH_WAIT]'));
    assert.ok(!text.includes('super-secret-api-key'));
    assert.ok(!text.includes('pw@db'));
  });
});
