import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sha256Hex } from './hash';

describe('sha256Hex', () => {
  it('matches the known SHA-256 vectors as lowercase hex', () => {
    assert.equal(sha256Hex(Buffer.alloc(0)), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
