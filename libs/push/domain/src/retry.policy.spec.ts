import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RETRY, isRetryable, retryDelay } from './retry.policy';

describe('retry policy', () => {
  it('retries 429, 5xx, GOAWAY codes and lost connections; not other answers', () => {
    for (const status of [429, 500, 503, 0, 2, null]) assert.equal(isRetryable({ status }), true, String(status));
    for (const status of [400, 403, 405, 410, 413]) assert.equal(isRetryable({ status }), false, String(status));
  });

  it('backs off exponentially, half of it random, up to the cap, and gives up after the last attempt', () => {
    const policy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 3_000 };
    assert.deepStrictEqual([1, 2, 3, 4, 5].map((n) => retryDelay({ status: 429 }, n, policy, 0)), [250, 500, 1000, 1500, 1500]);
    assert.deepStrictEqual([1, 2, 3, 4, 5].map((n) => retryDelay({ status: 503 }, n, policy, 0.999999)), [499, 999, 1999, 2999, 2999]);
    assert.equal(retryDelay({ status: 429 }, 6, policy, 0.5), null);
    assert.equal(retryDelay({ status: 410 }, 1, policy, 0.5), null);
  });

  it('the default gives up within seconds, not minutes', () => {
    let worst = 0;
    for (let attempt = 1; ; attempt++) {
      const delay = retryDelay({ status: 500 }, attempt, DEFAULT_RETRY, 0.999999);
      if (delay === null) break;
      worst += delay;
    }
    assert.ok(worst > 0 && worst < 5_000, `worst total wait ${worst} ms`);
  });
});
