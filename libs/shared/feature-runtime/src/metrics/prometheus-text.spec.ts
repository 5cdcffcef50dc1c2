import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatMetrics, formatValue } from './prometheus-text';

describe('Prometheus text format', () => {
  it('writes HELP, TYPE and one line per sample, labels in the given order', () => {
    const text = formatMetrics([
      {
        name: 'espalier_consumer_lag',
        help: 'Records not yet processed.',
        type: 'gauge',
        samples: [
          { labels: { group: 'espalier.push.dispatch', topic: 'mdm.push', partition: '0' }, value: 3n },
          { labels: { group: 'espalier.push.dispatch', topic: 'mdm.push', partition: '1' }, value: 0n },
        ],
      },
      { name: 'process_resident_memory_bytes', help: 'Resident memory size in bytes.', type: 'gauge', samples: [{ value: 1024 }] },
    ]);
    assert.equal(
      text,
      [
        '# HELP espalier_consumer_lag Records not yet processed.',
        '# TYPE espalier_consumer_lag gauge',
        'espalier_consumer_lag{group="espalier.push.dispatch",topic="mdm.push",partition="0"} 3',
        'espalier_consumer_lag{group="espalier.push.dispatch",topic="mdm.push",partition="1"} 0',
        '# HELP process_resident_memory_bytes Resident memory size in bytes.',
        '# TYPE process_resident_memory_bytes gauge',
        'process_resident_memory_bytes 1024',
        '',
      ].join('\n'),
    );
  });

  it('escapes backslashes, quotes and newlines in label values, and backslashes and newlines in HELP', () => {
    const text = formatMetrics([{ name: 'm', help: 'a \\ b\nc "q"', type: 'counter', samples: [{ labels: { route: 'a"b\\c\nd' }, value: 1 }] }]);
    assert.equal(text, '# HELP m a \\\\ b\\nc "q"\n# TYPE m counter\nm{route="a\\"b\\\\c\\nd"} 1\n');
  });

  it('leaves out families without samples', () => {
    assert.equal(formatMetrics([{ name: 'm', help: 'h', type: 'gauge', samples: [] }]), '');
  });

  it('writes int64 offsets exactly and special floats as Prometheus spells them', () => {
    assert.equal(formatValue(9007199254740993n), '9007199254740993');
    assert.equal(formatValue(0.25), '0.25');
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(NaN), 'NaN');
  });
});
