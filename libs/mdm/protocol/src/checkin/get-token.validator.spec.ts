import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../protocol.error';
import type { GetToken } from './checkin-message';
import { validateGetToken } from './get-token.validator';

const getToken = (fields: Partial<GetToken>): GetToken => ({ messageType: 'GetToken', ids: { udid: 'U' }, tokenServiceType: 'com.apple.maid', ...fields });
const is500 = (message: RegExp) => (err: unknown) => err instanceof ProtocolError && err.status === 500 && message.test(err.message);

describe('validateGetToken (§6.8)', () => {
  it('rejects an empty TokenServiceType with a 500', () => {
    assert.throws(() => validateGetToken(getToken({ tokenServiceType: '' })), is500(/empty TokenServiceType/));
  });

  it('rejects watch pairing without TokenParameters with a 500', () => {
    assert.throws(() => validateGetToken(getToken({ tokenServiceType: 'com.apple.watch.pairing' })), is500(/requires TokenParameters/));
  });

  it('accepts watch pairing with (even empty) TokenParameters, and other services without', () => {
    validateGetToken(getToken({ tokenServiceType: 'com.apple.watch.pairing', tokenParameters: {} }));
    validateGetToken(getToken({ tokenServiceType: 'com.apple.maid' }));
  });
});
