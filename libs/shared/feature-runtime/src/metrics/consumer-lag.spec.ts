import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { PartitionEnd } from '@espalier/contracts/event-log';
import { lagFamilies, positionOf, type GroupReading } from './consumer-lag';

const end = (partition: number, high: string, low = '0'): PartitionEnd => ({ partition, high, low });
const ends = new Map([['mdm.command', [end(0, '100'), end(1, '50', '10')]]]);
const valueOf = (families: ReturnType<typeof lagFamilies>, name: string, labels: Record<string, string>) =>
  families.find((f) => f.name === name)?.samples.find((s) => Object.entries(labels).every(([k, v]) => s.labels?.[k] === v))?.value;

describe('consumer lag', () => {
  it("takes a projection's position from its PostgreSQL checkpoint, not from the group's committed offset", () => {
    const projection: GroupReading = {
      groupId: 'espalier.projection.commands.queue',
      topics: ['mdm.command'],
      fromBeginning: true,
      // Kafka's commit trails the checkpoint (partition 0) or is ahead of a restored database (partition 1).
      committed: [{ topic: 'mdm.command', partition: 0, offset: '90' }, { topic: 'mdm.command', partition: 1, offset: '50' }],
      projection: { name: 'commands.queue', checkpoints: new Map([['mdm.command/0', 97n], ['mdm.command/1', 29n]]) },
    };
    assert.equal(positionOf(projection, 'mdm.command', end(0, '100')), '98');
    const families = lagFamilies({ ends, groups: [projection] });
    assert.equal(valueOf(families, 'espalier_consumer_lag', { partition: '0' }), 2n);
    assert.equal(valueOf(families, 'espalier_consumer_lag', { partition: '1' }), 20n);
    assert.equal(valueOf(families, 'espalier_projection_checkpoint_offset', { projection: 'commands.queue', partition: '1' }), 29n);
    assert.equal(valueOf(families, 'espalier_consumer_committed_offset', { group: projection.groupId, partition: '0' }), 90n);
  });

  it('counts a projection without a checkpoint from the log start', () => {
    const fresh: GroupReading = { groupId: 'espalier.projection.x', topics: ['mdm.command'], fromBeginning: true, committed: [], projection: { name: 'x', checkpoints: new Map() } };
    const families = lagFamilies({ ends, groups: [fresh] });
    assert.equal(valueOf(families, 'espalier_consumer_lag', { partition: '0' }), 100n);
    assert.equal(valueOf(families, 'espalier_consumer_lag', { partition: '1' }), 40n, 'records below the log start are gone, not lag');
    assert.equal(valueOf(families, 'espalier_projection_checkpoint_offset', { partition: '0' }), -1n);
  });

  it("takes other groups' position from their committed offset; before the first commit, from where the group starts", () => {
    const dispatch: GroupReading = { groupId: 'espalier.push.dispatch', topics: ['mdm.command'], fromBeginning: true, committed: [{ topic: 'mdm.command', partition: 0, offset: '95' }, { topic: 'mdm.command', partition: 1, offset: null }] };
    const watcher: GroupReading = { groupId: 'espalier.api.outcomes.1', topics: ['mdm.command'], fromBeginning: false, committed: [] };
    const families = lagFamilies({ ends, groups: [dispatch, watcher] });
    assert.equal(valueOf(families, 'espalier_consumer_lag', { group: dispatch.groupId, partition: '0' }), 5n);
    assert.equal(valueOf(families, 'espalier_consumer_lag', { group: dispatch.groupId, partition: '1' }), 40n, 'a new group reading from the beginning has the whole log ahead');
    assert.equal(valueOf(families, 'espalier_consumer_lag', { group: watcher.groupId, partition: '0' }), 0n, 'a new group reading from the end has nothing ahead');
    const committed = families.find((f) => f.name === 'espalier_consumer_committed_offset')!.samples;
    assert.deepEqual(committed.map((s) => [s.labels?.group, s.labels?.partition, s.value]), [['espalier.push.dispatch', '0', 95n]], 'no sample for an offset never committed');
    assert.equal(families.find((f) => f.name === 'espalier_projection_checkpoint_offset')!.samples.length, 0);
  });

  it('reports each log end once, whatever the number of groups reading the topic', () => {
    const a: GroupReading = { groupId: 'a', topics: ['mdm.command'], fromBeginning: true, committed: [] };
    const families = lagFamilies({ ends, groups: [a, { ...a, groupId: 'b' }] });
    assert.deepEqual(families.find((f) => f.name === 'espalier_log_end_offset')!.samples.map((s) => [s.labels?.partition, s.value]), [['0', 100n], ['1', 50n]]);
    assert.equal(families.find((f) => f.name === 'espalier_consumer_lag')!.samples.length, 4);
  });
});
