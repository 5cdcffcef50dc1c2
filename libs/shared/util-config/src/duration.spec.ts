import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDuration } from './duration';

describe('parseDuration (Go syntax, in milliseconds)', () => {
  const good: [string, number][] = [
    ['500ms', 500], ['5s', 5000], ['2m', 120_000], ['1h', 3_600_000], ['1m30s', 90_000],
    ['1.5s', 1500], ['.5s', 500], ['1h2m3s4ms', 3_723_004], ['0', 0], ['0s', 0], ['1500us', 1.5], ['2000000ns', 2],
  ];
  for (const [text, ms] of good) {
    it(`reads ${text} as ${ms}ms`, () => assert.equal(parseDuration(text), ms));
  }

  for (const text of ['', '5', '5x', 's', '-5s', '+5s', '5 s', '1m 30s', '5S', '1d', 'ms5', '5s ']) {
    it(`refuses ${JSON.stringify(text)}`, () => assert.equal(parseDuration(text), undefined));
  }
});
