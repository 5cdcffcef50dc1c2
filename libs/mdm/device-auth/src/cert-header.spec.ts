import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestCa, issueDeviceIdentity } from '@espalier/shared/util-testing';
import { certificateFromHeader } from './cert-header';

const identity = issueDeviceIdentity(createTestCa(), { keyType: 'rsa' });

describe('certificateFromHeader', () => {
  it('returns null when the header is absent or empty', () => {
    assert.equal(certificateFromHeader(undefined), null);
    assert.equal(certificateFromHeader(''), null);
  });

  it('reads RFC 9440 `:base64:`', () => {
    assert.deepEqual(certificateFromHeader(`:${identity.certDer.toString('base64')}:`), { der: identity.certDer });
  });

  for (const [name, value, error] of [
    ['no closing colon', `:${identity.certDer.toString('base64')}`, /enclosed in colons/],
    ['too short', '::', /enclosed in colons/],
    ['not base64', ':!!!!:', /not valid base64/],
    ['unpadded base64', ':QUJDRA:', /not valid base64/],
  ] as const) {
    it(`refuses RFC 9440 with ${name}`, () => {
      const result = certificateFromHeader(value);
      assert.ok(result && 'error' in result);
      assert.match(result.error, error);
    });
  }

  it('reads a URL-escaped PEM (nginx $ssl_client_escaped_cert)', () => {
    assert.deepEqual(certificateFromHeader(encodeURIComponent(identity.certPem)), { der: identity.certDer });
  });

  it('treats `+` as a space when unescaping', () => {
    const pem = encodeURIComponent(identity.certPem).replace('BEGIN%20CERTIFICATE', 'BEGIN+CERTIFICATE');
    assert.deepEqual(certificateFromHeader(pem), { der: identity.certDer });
  });

  for (const [name, value, error] of [
    ['a first block that is not a certificate', encodeURIComponent(identity.keyPem + identity.certPem), /first PEM block is PRIVATE KEY/],
    ['no PEM block', 'garbage', /no PEM block/],
    ['a malformed escape', '%zz-----BEGIN', /invalid URL escaping/],
    ['a body that is not base64', encodeURIComponent('-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n'), /not valid base64/],
  ] as const) {
    it(`refuses a PEM header with ${name}`, () => {
      const result = certificateFromHeader(value);
      assert.ok(result && 'error' in result);
      assert.match(result.error, error);
    });
  }
});
