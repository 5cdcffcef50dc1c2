import { Kafka, logLevel as KafkaLogLevel, type LogEntry } from 'kafkajs';

export interface KafkaLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: KafkaLogger;
}

/**
 * kafkajs logs through its own logger; route it into ours so its messages
 * carry the service's context. kafkajs INFO is chatty (every join, every
 * connect), so it maps to debug.
 */
function logCreator(logger: KafkaLogger) {
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...rest } = log;
      const fields = { kafka: rest };
      if (level === KafkaLogLevel.ERROR) logger.error(fields, message);
      else if (level === KafkaLogLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    };
}

export function createKafka(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: KafkaLogLevel.INFO,
    logCreator: logCreator(options.logger),
    // A broker restart takes seconds: retry long enough to ride it out,
    // then surface the failure to the caller (who answers 503, never 200).
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: 8 },
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
  });
}
