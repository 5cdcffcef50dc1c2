/**
 * Creates the event-log topics (and their .dlq) with infinite retention;
 * idempotent. docker-compose runs it once before the services start.
 * Reads only KAFKA_BROKERS (-kafka-brokers) and ESPALIER_KAFKA_PARTITIONS.
 */
import { ALL_TOPICS, dlqTopicOf } from '@espalier/contracts/events';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { toolLogger } from './cli-support';

async function main(): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is required');
  const partitions = Number(process.env.ESPALIER_KAFKA_PARTITIONS ?? '6');
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`ESPALIER_KAFKA_PARTITIONS: expected an integer ≥ 1, got "${process.env.ESPALIER_KAFKA_PARTITIONS}"`);
  const log = new KafkaEventLog({ brokers, clientId: 'espalier-provision', logger: toolLogger });
  await log.connect();
  try {
    await log.provisionTopics([
      ...ALL_TOPICS.map((topic) => ({ topic, partitions })),
      ...ALL_TOPICS.map((topic) => ({ topic: dlqTopicOf(topic), partitions: 1 })),
    ]);
    for (const topic of ALL_TOPICS) {
      const ends = await log.endOffsets(topic);
      process.stdout.write(`${topic}: ${ends.length} partitions, ${dlqTopicOf(topic)}: ready\n`);
    }
  } finally {
    await log.close();
  }
}

main().catch((error) => {
  process.stderr.write(`provisioning topics: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
