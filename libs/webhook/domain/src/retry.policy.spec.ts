import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isDelivered, retryDelay } from './retry.policy';

const policy = { maxAttempts: 5, minDelayMs: 1_000, maxDelayMs: 5_000 };

describe('webhook retry policy', () => {
  it('doubles from the minimum, half of each wait random, capped at the maximum', () => {
    assert.deepEqual([1, 2, 3, 4].map((a) => retryDelay(a, policy, 0)), [500, 1_000, 2_000, 2_500]);
    assert.deepEqual([1, 2, 3, 4].map((a) => retryDelay(a, policy, 0.999_999)), [999, 1_999, 3_999, 4_999]);
  });

  it('gives up once the attempts are used', () => {
    assert.equal(retryDelay(5, policy, 0.5), null);
    assert.equal(retryDelay(1, { ...policy, maxAttempts: 1 }, 0.5), null);
  });

  it('stays finite after very many attempts', () => {
    assert.equal(retryDelay(10_000, { ...policy, maxAttempts: 20_000 }, 0), 2_500);
  });

  it('counts only 200 as delivered, as NanoMDM', () => {
    assert.equal(isDelivered(200), true);
    for (const status of [201, 204, 301, 400, 500, 503]) assert.equal(isDelivered(status), false, String(status));
  });
});
