import type { Config } from '@espalier/shared/util-config';

/** The settings every service's runtime reads; each service's Config has at least these. */
export type RuntimeConfig = Pick<
  Config,
  | 'listen'
  | 'kafkaBrokers'
  | 'databaseUrl'
  | 'kafkaClientId'
  | 'kafkaPartitions'
  | 'kafkaProvision'
  | 'consumerMaxAttempts'
  | 'shutdownTimeout'
  | 'logLevel'
  | 'debug'
  | 'migrate'
>;
