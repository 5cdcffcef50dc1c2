import type { Provider } from '@nestjs/common';
import { ALL_TOPICS, dlqTopicOf } from '@espalier/contracts/events';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import type { Logger } from '@espalier/shared/util-logging';
import type { RuntimeConfig } from '@espalier/contracts/runtime';
import { CONFIG, EVENT_LOG, LOGGER, SERVICE_NAME } from '@espalier/contracts/runtime';
import { ConsumerGroupRegistry } from './metrics/consumer-groups.registry';

/**
 * Connects the Kafka event log and provisions the topics (idempotent, so every
 * replica may do it). DLQ topics get one partition: they are rare and read by people.
 * The log the service gets reports its subscriptions to the registry, for lag on /metrics.
 */
export const eventLogProvider: Provider = {
  provide: EVENT_LOG,
  inject: [CONFIG, LOGGER, SERVICE_NAME, ConsumerGroupRegistry],
  useFactory: async (config: RuntimeConfig, logger: Logger, service: string, groups: ConsumerGroupRegistry) => {
    const log = new KafkaEventLog({
      brokers: config.kafkaBrokers,
      clientId: `${config.kafkaClientId}-${service}`,
      logger: logger.child({ component: 'kafka' }),
    });
    await log.connect();
    if (config.kafkaProvision) {
      await log.provisionTopics([
        ...ALL_TOPICS.map((topic) => ({ topic, partitions: config.kafkaPartitions })),
        ...ALL_TOPICS.map((topic) => ({ topic: dlqTopicOf(topic), partitions: 1 })),
      ]);
    }
    return groups.track(log);
  },
};
