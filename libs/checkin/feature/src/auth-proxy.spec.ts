import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { targetUrl } from './auth-proxy';

describe('auth proxy target URL', () => {
  it('strips /authproxy/ and joins paths with one slash', () => {
    assert.equal(targetUrl(new URL('https://svc.example/base/'), '/authproxy/a/b').href, 'https://svc.example/base/a/b');
    assert.equal(targetUrl(new URL('https://svc.example/base'), '/authproxy/a').href, 'https://svc.example/base/a');
    assert.equal(targetUrl(new URL('https://svc.example'), '/authproxy/').href, 'https://svc.example/');
  });
  it('merges the target query and the request query', () => {
    assert.equal(targetUrl(new URL('https://svc.example/x?k=1'), '/authproxy/y?z=2').href, 'https://svc.example/x/y?k=1&z=2');
    assert.equal(targetUrl(new URL('https://svc.example/x'), '/authproxy/y?z=2').href, 'https://svc.example/x/y?z=2');
  });
});
