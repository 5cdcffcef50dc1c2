import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatStatus, table } from './status-format';
import type { StatusReport } from './status-report';

describe('espalier status: text output', () => {
  it('prints each group with its state, total lag and partitions, then each projection with its checkpoints', () => {
    const report: StatusReport = {
      groups: [
        {
          groupId: 'espalier.push.dispatch',
          state: 'Stable',
          members: 1,
          totalLag: 12,
          partitions: [
            { topic: 'mdm.command', partition: 0, committed: '1000', end: '1012', lag: 12 },
            { topic: 'mdm.push', partition: 0, committed: null, end: '7', lag: null },
          ],
        },
      ],
      projections: [
        { service: 'push', projection: 'push.targets', schema: 'push', group: 'espalier.projection.push.targets', migrated: true, totalLag: 0, partitions: [{ topic: 'mdm.push', partition: 0, checkpoint: '6', end: '7', lag: 0 }] },
        { service: 'api', projection: 'api.history', schema: 'api', group: 'espalier.projection.api.history', migrated: false, totalLag: 7, partitions: [] },
      ],
    };
    assert.equal(
      formatStatus(report),
      [
        'Consumer groups (espalier.*): 1; lag = log end - committed offset',
        '',
        'espalier.push.dispatch  Stable, 1 member, lag 12',
        '  topic        partition  committed   end  lag',
        '  mdm.command          0       1000  1012   12',
        '  mdm.push             0          -     7    -',
        '',
        'Projections: 2; checkpoints from PostgreSQL, lag = log end - (checkpoint + 1)',
        '',
        'push.targets  service push, schema push, group espalier.projection.push.targets, lag 0',
        '  topic     partition  checkpoint  end  lag',
        '  mdm.push          0           6    7    0',
        '',
        'api.history  service api, schema api, group espalier.projection.api.history, lag 7',
        '  schema api not migrated yet: nothing applied',
        '',
      ].join('\n'),
    );
  });

  it('says so when the brokers know no espalier group', () => {
    assert.match(formatStatus({ groups: [], projections: [] }), /^Consumer groups \(espalier\.\*\): 0; .*\n  none\n/);
  });

  it('aligns text left and numbers right', () => {
    assert.deepEqual(table([['name', 'n'], ['a', '5'], ['long', '123']]), ['  name    n', '  a       5', '  long  123']);
  });
});
