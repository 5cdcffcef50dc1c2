import type { CommittedOffset, PartitionEnd } from '@espalier/contracts/event-log';
import { KafkaConsumerGroups } from '@espalier/shared/data-access-kafka';
import { PgEventLog } from '@espalier/shared/data-access-pglog';

/** What `espalier status` reads from the event log, whichever holds it. */
export interface StatusLogSource {
  /** Where, for messages (never credentials). */
  readonly where: string;
  /** Resolves when the log can be read; rejects with the reason otherwise. */
  connect(): Promise<void>;
  list(prefix: string): Promise<{ groupId: string; state: string; members: number }[]>;
  /** Every topic the group committed to. */
  committedOffsets(groupId: string): Promise<CommittedOffset[]>;
  endOffsets(topic: string): Promise<PartitionEnd[]>;
  close(): Promise<void>;
}

/** kafkajs logs each failed connection attempt; the one failure that matters is reported once, by the caller. */
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export function kafkaSource(brokers: readonly string[]): StatusLogSource {
  // Two tries, not eight: an operator asking for status wants to hear at once that a server is down.
  const kafka = new KafkaConsumerGroups({ brokers: [...brokers], clientId: 'espalier-status', logger: quiet, retries: 1 });
  return {
    where: `Kafka at ${brokers.join(',')} (-kafka-brokers / KAFKA_BROKERS)`,
    connect: () => kafka.connect(),
    list: (prefix) => kafka.list(prefix),
    committedOffsets: (groupId) => kafka.committedOffsets(groupId),
    endOffsets: (topic) => kafka.endOffsets(topic),
    close: () => kafka.close(),
  };
}

/**
 * The log services keep in PostgreSQL when they run without KAFKA_BROKERS.
 * Read only: its schema is not created here (connecting a PgEventLog would
 * migrate it), so a database without one says so.
 */
export function postgresSource(databaseUrl: string, where: string): StatusLogSource {
  const log = new PgEventLog({ connectionString: databaseUrl, applicationName: 'espalier-status', logger: quiet, poolSize: 2 });
  return {
    where: `the event log in PostgreSQL at ${where} (schema ${log.schema}; no -kafka-brokers)`,
    connect: async () => {
      await log.ping();
      const { exists } = await log.schemaExists();
      if (!exists) throw new Error(`schema ${log.schema} does not exist: no service has kept its log here (they do without KAFKA_BROKERS)`);
    },
    list: (prefix) => log.listGroups(prefix),
    committedOffsets: (groupId) => log.committedOffsets(groupId),
    endOffsets: (topic) => log.endOffsets(topic),
    close: () => log.close(),
  };
}
