import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KafkaConsumerGroups } from '@espalier/shared/data-access-kafka';
import { uniqueName, waitUntil } from '@espalier/shared/util-testing';
import { openHarness, type Harness } from '../fixtures/log-harness';
import { seenEvent, toRecord } from '../fixtures/seen-events';

describe('ephemeral consumer groups', () => {
  let h: Harness;
  let groups: KafkaConsumerGroups;
  before(async () => {
    h = await openHarness(2);
    groups = new KafkaConsumerGroups({ brokers: h.infra.kafkaBrokers, clientId: 'espalier-test-groups', logger: h.logger });
    await groups.connect();
  });
  after(async () => {
    await groups.close();
    await h.close();
  });

  it('an ephemeral group is deleted when its consumer stops; an ordinary one stays', async () => {
    const prefix = uniqueName('eph');
    const run = async (groupId: string, ephemeral: boolean) => {
      const got: string[] = [];
      const consumer = h.log.subscribe({ groupId, topics: [h.topic], fromBeginning: true, ephemeral, handleBatch: async (b) => void got.push(...b.records.map((r) => r.offset)) });
      await consumer.start();
      await h.log.appender.append([toRecord(seenEvent(`dev-${groupId}`, 1), h.topic)]);
      await waitUntil(`${groupId} consumed`, () => got.length > 0, 30_000);
      assert.deepStrictEqual((await groups.list(groupId)).map((g) => g.groupId), [groupId], 'the group exists while it runs');
      await consumer.stop();
    };
    await run(`${prefix}.ephemeral`, true);
    await run(`${prefix}.kept`, false);
    assert.deepStrictEqual((await groups.list(prefix)).map((g) => g.groupId), [`${prefix}.kept`]);
    await h.log.deleteGroup(`${prefix}.kept`);
  });
});
