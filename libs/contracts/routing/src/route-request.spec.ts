import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CHECKIN_CONTENT_TYPE_PREFIX, routeRequest } from './index';

const CHECKIN_CT = CHECKIN_CONTENT_TYPE_PREFIX;
const PLIST_CT = 'application/x-apple-aspen-mdm';

describe('routeRequest', () => {
  describe('/mdm (NanoMDM: case-sensitive Content-Type prefix)', () => {
    const cases: ReadonlyArray<[string | undefined, string]> = [
      [CHECKIN_CT, 'checkin'],
      [`${CHECKIN_CT}; charset=utf-8`, 'checkin'],
      [`${CHECKIN_CT}-and-more`, 'checkin'],
      [PLIST_CT, 'commands'],
      ['application/X-Apple-Aspen-MDM-Checkin', 'commands'],
      [` ${CHECKIN_CT}`, 'commands'],
      ['text/plain', 'commands'],
      ['', 'commands'],
      [undefined, 'commands'],
    ];
    for (const [contentType, service] of cases) {
      it(`Content-Type ${JSON.stringify(contentType)} → ${service}`, () => {
        assert.equal(routeRequest('PUT', '/mdm', contentType), service);
      });
    }
  });

  it('sends /checkin to checkin whatever the Content-Type', () => {
    assert.equal(routeRequest('PUT', '/checkin', CHECKIN_CT), 'checkin');
    assert.equal(routeRequest('PUT', '/checkin', PLIST_CT), 'checkin');
    assert.equal(routeRequest('PUT', '/checkin', undefined), 'checkin');
  });

  it('sends the /authproxy/ subtree to checkin', () => {
    assert.equal(routeRequest('GET', '/authproxy/', undefined), 'checkin');
    assert.equal(routeRequest('POST', '/authproxy/some/upstream/path', 'application/json'), 'checkin');
  });

  it('sends /v1/* and /version to api, /migration to checkin', () => {
    for (const path of ['/v1/pushcert', '/v1/push/a,b', '/v1/enqueue/a', '/v1/escrowkeyunlock', '/v1/push']) {
      assert.equal(routeRequest('POST', path, undefined), 'api', path);
    }
    assert.equal(routeRequest('GET', '/version', undefined), 'api');
    assert.equal(routeRequest('PUT', '/migration', CHECKIN_CT), 'checkin');
  });

  it('ignores the query string', () => {
    assert.equal(routeRequest('PUT', '/mdm?x=1', CHECKIN_CT), 'checkin');
    assert.equal(routeRequest('PUT', '/v1/enqueue/a?nopush=1', undefined), 'api');
    assert.equal(routeRequest('GET', '/?/mdm', undefined), null);
  });

  it('does not look at the method', () => {
    for (const method of ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD']) {
      assert.equal(routeRequest(method, '/mdm', undefined), 'commands');
    }
  });

  it('returns null (404) for anything else, including health and exact paths with a suffix', () => {
    const unrouted = [
      '/',
      '',
      '/healthz',
      '/readyz',
      '/metrics',
      '/mdm/',
      '/mdmx',
      '/MDM',
      '/checkin/',
      '/authproxy',
      '/v1',
      '/v2/pushcert',
      '/version/',
      '/migration/x',
    ];
    for (const path of unrouted) {
      assert.equal(routeRequest('GET', path, CHECKIN_CT), null, path);
    }
  });
});
