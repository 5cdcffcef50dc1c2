import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareOffsets, lagOf, nextOffset } from './offsets';

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
  it('measures lag as log end minus the next offset to read', () => {
    assert.equal(lagOf({ high: '10', low: '0' }, '0'), 10n, 'nothing read yet');
    assert.equal(lagOf({ high: '10', low: '0' }, '7'), 3n);
    assert.equal(lagOf({ high: '10', low: '0' }, '10'), 0n, 'caught up');
    assert.equal(lagOf({ high: '0', low: '0' }, '0'), 0n, 'empty partition');
  });
  it('does not count deleted records or a position past a stale end as lag', () => {
    assert.equal(lagOf({ high: '10', low: '6' }, '2'), 4n, 'records below the log start are gone');
    assert.equal(lagOf({ high: '10', low: '0' }, '12'), 0n);
    assert.equal(lagOf({ high: '9007199254740995', low: '0' }, '9007199254740993'), 2n, 'int64 offsets stay exact');
  });
});
