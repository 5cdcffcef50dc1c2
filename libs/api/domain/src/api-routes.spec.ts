import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { matchApiRoute } from './api-routes';

describe('matchApiRoute', () => {
  it('routes NanoMDM\'s paths, on any method where NanoMDM does', () => {
    assert.deepStrictEqual(matchApiRoute('GET', 'push/A,B%2FC'), { kind: 'push', param: 'A,B%2FC' });
    assert.deepStrictEqual(matchApiRoute('POST', 'push/A/B'), { kind: 'push', param: 'A/B' });
    assert.deepStrictEqual(matchApiRoute('DELETE', 'enqueue/'), { kind: 'enqueue', param: '' });
    assert.deepStrictEqual(matchApiRoute('PUT', 'pushcert'), { kind: 'pushcert-put', param: '' });
    assert.deepStrictEqual(matchApiRoute('GET', 'pushcert'), { kind: 'pushcert-get', param: '' });
    assert.deepStrictEqual(matchApiRoute('POST', 'pushcert'), { kind: 'method-not-allowed' });
    assert.deepStrictEqual(matchApiRoute('GET', 'push'), { kind: 'redirect', location: '/v1/push/' });
    assert.deepStrictEqual(matchApiRoute('GET', 'nothing'), { kind: 'not-found' });
  });

  it('routes the read APIs by method', () => {
    assert.deepStrictEqual(matchApiRoute('GET', 'enrollments'), { kind: 'enrollments', param: '' });
    assert.deepStrictEqual(matchApiRoute('GET', 'enrollments/D%3AU'), { kind: 'enrollment', param: 'D%3AU' });
    assert.deepStrictEqual(matchApiRoute('DELETE', 'enrollments/D/queue'), { kind: 'clear-queue', param: 'D' });
    assert.deepStrictEqual(matchApiRoute('GET', 'enrollments/D/queue'), { kind: 'queue', param: 'D' });
    assert.deepStrictEqual(matchApiRoute('POST', 'enrollments'), { kind: 'method-not-allowed' });
    assert.deepStrictEqual(matchApiRoute('GET', 'enrollments/D/other'), { kind: 'not-found' });
    assert.deepStrictEqual(matchApiRoute('GET', 'enrollments//queue'), { kind: 'not-found' });
    assert.deepStrictEqual(matchApiRoute('GET', 'commands/U'), { kind: 'command', param: 'U' });
  });
});
