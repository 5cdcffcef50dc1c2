import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decodeSecretKey } from './secret-key';
import type { SettingSpec } from './setting.types';
import { parseSettingValue } from './value-parsers';

function spec(overrides: Partial<SettingSpec>): SettingSpec {
  return {
    key: 'x', flag: '-x', env: 'ESPALIER_X', kind: 'string', default: undefined,
    description: '', services: ['all'], status: 'active', ...overrides,
  };
}

function value(s: SettingSpec, text: string): unknown {
  const parsed = parseSettingValue(s, text);
  assert.ok(parsed.ok, `expected ${JSON.stringify(text)} to parse`);
  return parsed.value;
}

function reason(s: SettingSpec, text: string): string {
  const parsed = parseSettingValue(s, text);
  assert.ok(!parsed.ok, `expected ${JSON.stringify(text)} to be refused`);
  return parsed.reason;
}

describe('parseSettingValue', () => {
  it('bool: exactly true, false, 1, 0', () => {
    const bool = spec({ kind: 'bool' });
    assert.deepEqual(['true', '1', 'false', '0'].map((t) => value(bool, t)), [true, true, false, false]);
    for (const bad of ['yes', 'TRUE', 'True', 'on', '', ' 1']) assert.match(reason(bool, bad), /true, false, 1 or 0/);
  });

  it('int: whole numbers at or above min', () => {
    const int = spec({ kind: 'int', min: 1 });
    assert.equal(value(int, '6'), 6);
    assert.match(reason(int, '0'), /at least 1/);
    for (const bad of ['1.5', 'six', '', '1e3', '99999999999999999999']) assert.match(reason(int, bad), /whole number/);
  });

  it('duration: milliseconds', () => {
    assert.equal(value(spec({ kind: 'duration' }), '1m30s'), 90_000);
    assert.match(reason(spec({ kind: 'duration' }), '5x'), /duration like/);
  });

  it('url: absolute http(s) unless other schemes are named', () => {
    const url = spec({ kind: 'url' });
    assert.equal(value(url, 'https://api.push.apple.com'), 'https://api.push.apple.com');
    assert.equal(value(url, 'http://localhost:8080/dm/'), 'http://localhost:8080/dm/');
    for (const bad of ['not a url', '/relative', 'ftp://host', 'postgres://db/x', '']) assert.match(reason(url, bad), /http or https URL/);
    const pg = spec({ kind: 'url', schemes: ['postgres', 'postgresql'] });
    assert.equal(value(pg, 'postgresql://u:p@db:5432/espalier'), 'postgresql://u:p@db:5432/espalier');
    assert.match(reason(pg, 'https://db/espalier'), /postgres or postgresql URL/);
  });

  it('hostport: port 0–65535, host optional', () => {
    const hp = spec({ kind: 'hostport' });
    assert.deepEqual(value(hp, ':9000'), { host: undefined, port: 9000 });
    assert.deepEqual(value(hp, '127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(value(hp, '[::1]:65535'), { host: '::1', port: 65535 });
    for (const bad of [':65536', ':-1', 'host:http', ':', '9000']) assert.ok(reason(hp, bad));
    assert.match(reason(hp, '::1:9000'), /brackets/);
  });

  it('list of host:port: trimmed, every item needs a host and a valid port', () => {
    const brokers = spec({ kind: 'list', items: 'hostport' });
    assert.deepEqual(value(brokers, 'kafka-1:9092, kafka-2:9092,'), ['kafka-1:9092', 'kafka-2:9092']);
    assert.match(reason(brokers, 'kafka-1:9092,:9092'), /item 2: .*host is missing/);
    assert.match(reason(brokers, 'kafka-1:99999'), /item 1: port/);
    assert.match(reason(brokers, ' , '), /at least one/);
  });

  it('enum: membership', () => {
    const level = spec({ kind: 'enum', values: ['info', 'debug'] });
    assert.equal(value(level, 'debug'), 'debug');
    assert.match(reason(level, 'verbose'), /one of info, debug/);
  });

  it('aes-256-key: 32 bytes as hex or base64, never echoed in the reason', () => {
    const key = spec({ kind: 'string', format: 'aes-256-key', secret: true });
    const bytes = Buffer.alloc(32, 7);
    assert.equal(value(key, bytes.toString('hex')), bytes.toString('hex'));
    assert.equal(value(key, bytes.toString('base64')), bytes.toString('base64'));
    assert.equal(value(key, bytes.toString('base64url')), bytes.toString('base64url'));
    const short = Buffer.alloc(16, 7).toString('base64');
    assert.equal(reason(key, short).includes(short), false);
    assert.equal(decodeSecretKey('not base64 at all!'), undefined);
    assert.deepEqual(decodeSecretKey(bytes.toString('hex')), new Uint8Array(bytes));
  });
});
