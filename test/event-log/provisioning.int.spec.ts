import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { recordingLogger, testInfra, uniqueName } from '@espalier/shared/util-testing';

describe('topic provisioning', () => {
  const infra = testInfra();
  const logger = recordingLogger();
  const log = new KafkaEventLog({ brokers: infra.kafkaBrokers, clientId: 'provisioning-test', logger });
  const admin = new Kafka({ brokers: infra.kafkaBrokers, clientId: 'provisioning-test-admin', logLevel: logLevel.NOTHING }).admin();
  const topic = uniqueName('prov').toLowerCase();

  before(async () => {
    await log.connect();
    await admin.connect();
  });
  after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await log.close();
  });

  async function retention(): Promise<Record<string, string>> {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms', 'retention.bytes', 'max.message.bytes'] }],
    });
    return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
  }

  it('creates a topic with the configured partitions and infinite retention', async () => {
    await log.provisionTopics([{ topic, partitions: 4 }]);
    assert.equal((await log.endOffsets(topic)).length, 4);
    assert.deepEqual(await retention(), { 'retention.ms': '-1', 'retention.bytes': '-1', 'max.message.bytes': String(16 * 1024 * 1024) });
  });

  it('is idempotent, and restores infinite retention on an existing topic', async () => {
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] });
    await log.provisionTopics([{ topic, partitions: 4 }]);
    await log.provisionTopics([{ topic, partitions: 4 }]);
    assert.equal((await log.endOffsets(topic)).length, 4);
    assert.equal((await retention())['retention.ms'], '-1');
  });

  it('never re-partitions an existing topic (per-device order depends on it), and says so', async () => {
    await log.provisionTopics([{ topic, partitions: 8 }]);
    assert.equal((await log.endOffsets(topic)).length, 4);
    assert.ok(logger.entries.some((e) => e.level === 'warn' && /keeps its existing partition count/.test(e.msg)));
  });
});
