import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webhookSignature } from './webhook-signature';

describe('webhookSignature', () => {
  it('is base64 HMAC-SHA256 of the exact body (RFC 4231 test case 2)', () => {
    // Key "Jefe", data "what do ya want for nothing?" → 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843.
    const expected = Buffer.from('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843', 'hex').toString('base64');
    assert.equal(webhookSignature('Jefe', Buffer.from('what do ya want for nothing?')), expected);
  });

  it('changes with a single byte of the body', () => {
    assert.notEqual(webhookSignature('k', Buffer.from('{"a":1}')), webhookSignature('k', Buffer.from('{"a":2}')));
  });
});
