import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DurationHistogram } from './duration-histogram';
import { formatMetrics } from './prometheus-text';

describe('DurationHistogram', () => {
  it('counts cumulatively per bucket (a bound is inclusive), with sum, count and +Inf', () => {
    const h = new DurationHistogram('http_seconds', 'Durations.', [0.1, 1]);
    const labels = { method: 'GET', route: '/healthz', status: '200' };
    for (const s of [0.05, 0.1, 0.5, 3]) h.observe(labels, s);
    assert.equal(
      formatMetrics([h.family()]),
      [
        '# HELP http_seconds Durations.',
        '# TYPE http_seconds histogram',
        'http_seconds_bucket{method="GET",route="/healthz",status="200",le="0.1"} 2',
        'http_seconds_bucket{method="GET",route="/healthz",status="200",le="1"} 3',
        'http_seconds_bucket{method="GET",route="/healthz",status="200",le="+Inf"} 4',
        'http_seconds_sum{method="GET",route="/healthz",status="200"} 3.65',
        'http_seconds_count{method="GET",route="/healthz",status="200"} 4',
        '',
      ].join('\n'),
    );
  });

  it('keeps one series per label set', () => {
    const h = new DurationHistogram('d', 'h', [1]);
    h.observe({ route: '/a', status: '200' }, 0.5);
    h.observe({ route: '/a', status: '500' }, 0.5);
    h.observe({ route: '/a', status: '200' }, 2);
    const counts = h.family().samples.filter((s) => s.suffix === '_count');
    assert.deepEqual(counts.map((s) => [s.labels?.status, s.value]), [['200', 2], ['500', 1]]);
  });
});
