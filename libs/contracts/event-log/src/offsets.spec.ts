import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareOffsets, nextOffset } from './offsets';

describe('offsets', () => {
  it('compares beyond Number.MAX_SAFE_INTEGER', () => {
    assert.equal(compareOffsets('9007199254740993', '9007199254740992'), 1);
    assert.equal(compareOffsets('2', '10'), -1);
    assert.equal(compareOffsets('7', '7'), 0);
  });
  it('steps without losing precision', () => {
    assert.equal(nextOffset('9007199254740992'), '9007199254740993');
    assert.equal(nextOffset('-1'), '0');
  });
});
