import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { conventionalEnvName, settingsCatalog } from './settings.catalog';
import { isPlanned, type SettingSpec } from './setting.types';
import { parseSettingValue } from './value-parsers';

const catalog: readonly SettingSpec[] = settingsCatalog;
const byFlag = new Map(catalog.map((spec) => [spec.flag, spec]));

describe('settings catalog', () => {
  it('names every variable ESPALIER_ + the flag, except KAFKA_BROKERS and DATABASE_URL', () => {
    assert.equal(conventionalEnvName('-ua-zl-dc'), 'ESPALIER_UA_ZL_DC');
    assert.equal(byFlag.get('-ua-zl-dc')?.env, 'ESPALIER_UA_ZL_DC');
    const exceptions = { '-kafka-brokers': 'KAFKA_BROKERS', '-database-url': 'DATABASE_URL' } as Record<string, string>;
    for (const spec of catalog) assert.equal(spec.env, exceptions[spec.flag] ?? conventionalEnvName(spec.flag), spec.flag);
  });

  it('keys are the camelCase flag names, all unique', () => {
    for (const spec of catalog) {
      assert.equal(spec.key, spec.flag.slice(1).replace(/-([a-z])/g, (_, c: string) => c.toUpperCase()), spec.flag);
    }
    assert.equal(new Set(catalog.map((s) => s.key)).size, catalog.length);
    assert.equal(new Set(catalog.map((s) => s.env)).size, catalog.length);
  });

  it('every default parses with the parser user input goes through', () => {
    for (const spec of catalog.filter((s) => s.default !== undefined)) {
      const parsed = parseSettingValue(spec, spec.default as string);
      assert.ok(parsed.ok, `${spec.flag}: ${parsed.ok ? '' : parsed.reason}`);
    }
  });

  it('secrets have no default', () => {
    const secrets = catalog.filter((s) => s.secret).map((s) => s.flag);
    assert.deepEqual(secrets, ['-api', '-dm-send-hmac-key', '-dm-recv-hmac-key', '-webhook-hmac-key', '-secret-key']);
    for (const flag of secrets) assert.equal(byFlag.get(flag)?.default, undefined);
  });

  it('leaves -disable-mdm to npm start alone: no service process reads it', () => {
    assert.deepEqual(byFlag.get('-disable-mdm')?.services, []);
  });

  it('has none of NanoMDM\'s storage flags', () => {
    for (const flag of ['-storage', '-storage-dsn', '-dsn', '-storage-options']) assert.equal(byFlag.has(flag as `-${string}`), false);
  });

  it('has every setting built: none planned, all active', () => {
    assert.deepEqual(catalog.filter(isPlanned).map((s) => s.flag), []);
    const active = catalog.filter((s) => s.status === 'active').map((s) => s.flag).sort();
    assert.deepEqual(active, [
      '-api', '-apns-connections', '-apns-expiration', '-apns-in-flight', '-apns-url', '-auth-proxy-url', '-body-limit', '-ca', '-catch-up-timeout', '-cert-header', '-checkin', '-consumer-max-attempts',
      '-database-url', '-debug', '-disable-mdm', '-dm', '-dm-recv-hmac-key', '-dm-send-hmac-key', '-dump', '-escrow-key-unlock-url', '-intermediate', '-kafka-brokers',
      '-kafka-client-id', '-kafka-partitions', '-kafka-provision', '-listen', '-log-level', '-migrate', '-migration', '-push-coalesce', '-push-wait', '-retention-results', '-retro',
      '-secret-key', '-secret-key-id', '-shutdown-timeout', '-ua-zl-dc', '-version', '-webhook-backoff-max', '-webhook-backoff-min', '-webhook-concurrency',
      '-webhook-hmac-key', '-webhook-max-attempts', '-webhook-order-margin', '-webhook-timeout', '-webhook-url',
    ]);
  });
});
