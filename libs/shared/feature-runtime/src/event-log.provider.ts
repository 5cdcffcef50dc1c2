import type { Provider } from '@nestjs/common';
import { ALL_TOPICS, dlqTopicOf } from '@espalier/contracts/events';
import type { EventLog, TopicSpec } from '@espalier/contracts/event-log';
import { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { PgEventLog } from '@espalier/shared/data-access-pglog';
import type { Logger } from '@espalier/shared/util-logging';
import type { RuntimeConfig } from '@espalier/contracts/runtime';
import { CONFIG, EVENT_LOG, LOGGER, SERVICE_NAME } from '@espalier/contracts/runtime';
import { ConsumerGroupRegistry } from './metrics/consumer-groups.registry';
import { SharedEventLogView } from './shared-event-log';

/** Every topic the services use, with its DLQ (one partition: DLQs are rare and read by people). */
export function espalierTopics(partitions: number): TopicSpec[] {
  return [...ALL_TOPICS.map((topic) => ({ topic, partitions })), ...ALL_TOPICS.map((topic) => ({ topic: dlqTopicOf(topic), partitions: 1 }))];
}

/**
 * The service's event log: the one its host shares (the one-process mode
 * gives all services a single log, so an append wakes every consumer at
 * once), else Kafka when brokers are configured, else the log kept in
 * PostgreSQL tables beside the projections. Topics are provisioned
 * (idempotent, so every replica may do it). The log the service gets reports
 * its subscriptions to the registry, for lag on /metrics.
 */
export function eventLogProvider(shared?: EventLog): Provider {
  return {
    provide: EVENT_LOG,
    inject: [CONFIG, LOGGER, SERVICE_NAME, ConsumerGroupRegistry],
    useFactory: async (config: RuntimeConfig, logger: Logger, service: string, groups: ConsumerGroupRegistry) => {
      const log = shared ? new SharedEventLogView(shared) : await connectOwnLog(config, logger, service);
      if (config.kafkaProvision) await log.provisionTopics(espalierTopics(config.kafkaPartitions));
      return groups.track(log);
    },
  };
}

async function connectOwnLog(config: RuntimeConfig, logger: Logger, service: string): Promise<EventLog> {
  if (config.kafkaBrokers) {
    const log = new KafkaEventLog({ brokers: config.kafkaBrokers, clientId: `${config.kafkaClientId}-${service}`, logger: logger.child({ component: 'kafka' }) });
    await log.connect();
    return log;
  }
  const log = new PgEventLog({ connectionString: config.databaseUrl, applicationName: `espalier-${service}-log`, logger: logger.child({ component: 'pglog' }) });
  await log.connect();
  return log;
}
