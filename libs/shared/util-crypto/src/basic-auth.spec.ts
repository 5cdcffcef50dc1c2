import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { basicAuthOk } from './basic-auth';

const basic = (credentials: string) => `Basic ${Buffer.from(credentials).toString('base64')}`;

describe('basicAuthOk', () => {
  it('accepts exactly user "nanomdm" with the key', () => {
    assert.equal(basicAuthOk(basic('nanomdm:s3cret'), 's3cret'), true);
    assert.equal(basicAuthOk(basic('nanomdm:s3cret:with:colons'), 's3cret:with:colons'), true, 'the password may contain colons');
  });

  it('refuses another user, another key, no colon, another scheme or nothing', () => {
    for (const header of [basic('admin:s3cret'), basic('nanomdm:S3cret'), basic('nanomdm:'), basic('nanomdms3cret'), 'Bearer s3cret', '', undefined]) {
      assert.equal(basicAuthOk(header, 's3cret'), false, String(header));
    }
  });
});
