import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { oneProcessEnvironment } from './one-process-environment';

describe('one-process environment', () => {
  it('turns each flag into its variable, the command line winning over the environment', () => {
    const result = oneProcessEnvironment(['-ca', '/ca.pem', '-api', 'k', '-listen=:9100', '-debug'], { ESPALIER_CA: '/other.pem', HOME: '/home/x' });
    assert.ok(result.ok);
    assert.equal(result.env.ESPALIER_CA, '/ca.pem');
    assert.equal(result.env.ESPALIER_API, 'k');
    assert.equal(result.env.ESPALIER_LISTEN, ':9100');
    assert.equal(result.env.ESPALIER_DEBUG, 'true');
    assert.equal(result.env.HOME, '/home/x');
    assert.equal(result.help, false);
    assert.equal(result.version, false);
  });

  it('takes -disable-mdm, which only the one-process front door reads', () => {
    const result = oneProcessEnvironment(['-disable-mdm'], {});
    assert.ok(result.ok);
    assert.equal(result.env.ESPALIER_DISABLE_MDM, 'true');
  });

  it('reports unknown flags and stray arguments instead of ignoring them', () => {
    const result = oneProcessEnvironment(['-storage', 'pgsql', '-nope'], {});
    assert.deepEqual(result, { ok: false, errors: ['unknown flag: -storage', 'unexpected argument "pgsql": settings are flags (-name value)', 'unknown flag: -nope'] });
  });

  it('answers -help and -version without making them variables', () => {
    const result = oneProcessEnvironment(['-version', '-h'], {});
    assert.ok(result.ok);
    assert.equal(result.version, true);
    assert.equal(result.help, true);
    assert.equal(result.env.ESPALIER_VERSION, undefined);
  });
});
