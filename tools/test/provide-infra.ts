import { freePort } from '@espalier/shared/util-testing';
import { localInfraUp } from '../local-infra';

export interface ProvidedInfra {
  readonly source: 'environment' | 'testcontainers' | 'infra-script';
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}


/**
 * Finds a real Kafka and PostgreSQL for the integration tests, in order:
 * KAFKA_BROKERS/DATABASE_URL from the environment; containers when a Docker
 * engine answers; the project's own infra script (Kafka from Maven jars,
 * Debian's PostgreSQL). If none works the run fails: there is no fake.
 */
export async function provideInfra(log: (msg: string) => void): Promise<ProvidedInfra> {
  const { KAFKA_BROKERS, DATABASE_URL } = process.env;
  if (KAFKA_BROKERS && DATABASE_URL) {
    return { source: 'environment', env: { KAFKA_BROKERS, DATABASE_URL }, stop: async () => undefined };
  }
  const containers = await tryContainers(log);
  if (containers) return containers;
  log('no Docker engine: starting Kafka and PostgreSQL with scripts/infra.sh');
  const env = localInfraUp();
  // Left running: the next run reuses it (`npm run infra:down` stops it).
  return { source: 'infra-script', env, stop: async () => undefined };
}

async function tryContainers(log: (msg: string) => void): Promise<ProvidedInfra | null> {
  const tc = await import('testcontainers');
  try {
    await tc.getContainerRuntimeClient();
  } catch {
    return null;
  }
  log('Docker engine found: starting apache/kafka and postgres containers');
  const kafkaPort = await freePort();
  const kafka = await new tc.GenericContainer('apache/kafka:3.9.1')
    .withExposedPorts({ container: 9092, host: kafkaPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
    })
    .withWaitStrategy(tc.Wait.forLogMessage(/Kafka Server started/))
    .start();
  const postgres = await new tc.GenericContainer('postgres:16')
    .withExposedPorts(5432)
    .withEnvironment({ POSTGRES_USER: 'espalier', POSTGRES_PASSWORD: 'espalier', POSTGRES_DB: 'espalier' })
    .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .start();
  return {
    source: 'testcontainers',
    env: {
      KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      DATABASE_URL: `postgres://espalier:espalier@${postgres.getHost()}:${postgres.getMappedPort(5432)}/espalier`,
    },
    stop: async () => {
      await kafka.stop();
      await postgres.stop();
    },
  };
}
