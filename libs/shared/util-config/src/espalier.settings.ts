import type { SettingSpec } from './setting.types';

/** Espalier's own settings: the event log, PostgreSQL, secrets and process lifecycle. */
export const espalierSettings = [
  // Conventional name (no ESPALIER_ prefix) so the usual tooling and compose files just work.
  {
    key: 'kafkaBrokers', flag: '-kafka-brokers', env: 'KAFKA_BROKERS', kind: 'list', items: 'hostport',
    default: undefined,
    description: 'Kafka bootstrap brokers, comma-separated host:port. Unset: the event log is kept in PostgreSQL (DATABASE_URL), as `npm start` does.',
    services: ['all'], status: 'active',
  },
  // Conventional name, like KAFKA_BROKERS. Not `secret`, but its password is never echoed.
  {
    key: 'databaseUrl', flag: '-database-url', env: 'DATABASE_URL', kind: 'url', schemes: ['postgres', 'postgresql'],
    default: undefined, required: true,
    description: 'PostgreSQL connection URL (postgres:// or postgresql://) for projections.',
    services: ['all'], status: 'active',
  },
  {
    key: 'kafkaClientId', flag: '-kafka-client-id', env: 'ESPALIER_KAFKA_CLIENT_ID', kind: 'string', default: 'espalier',
    description: 'Kafka client ID (broker logs and quotas).',
    services: ['all'], status: 'active',
  },
  {
    key: 'kafkaPartitions', flag: '-kafka-partitions', env: 'ESPALIER_KAFKA_PARTITIONS', kind: 'int', min: 1, default: '6',
    description: 'Partition count used when provisioning topics (existing topics are not changed).',
    services: ['all'], status: 'active',
  },
  {
    key: 'kafkaProvision', flag: '-kafka-provision', env: 'ESPALIER_KAFKA_PROVISION', kind: 'bool', default: 'true',
    description: 'Create missing topics at start-up.',
    services: ['all'], status: 'active',
  },
  {
    key: 'secretKey', flag: '-secret-key', env: 'ESPALIER_SECRET_KEY', kind: 'string', format: 'aes-256-key',
    default: undefined, secret: true,
    description: 'AES-256-GCM key (32 bytes, base64 or hex) encrypting secrets written to the event log.',
    services: ['all'], status: 'active',
  },
  {
    key: 'secretKeyId', flag: '-secret-key-id', env: 'ESPALIER_SECRET_KEY_ID', kind: 'string', default: 'k1',
    description: 'ID recorded with each encrypted secret, so keys can be rotated.',
    services: ['all'], status: 'active',
  },
  {
    key: 'consumerMaxAttempts', flag: '-consumer-max-attempts', env: 'ESPALIER_CONSUMER_MAX_ATTEMPTS', kind: 'int',
    min: 1, default: '5',
    description: 'Attempts to apply an event before it is moved to <topic>.dlq.',
    services: ['all'], status: 'active',
  },
  {
    key: 'catchUpTimeout', flag: '-catch-up-timeout', env: 'ESPALIER_CATCH_UP_TIMEOUT', kind: 'duration', default: '5s',
    description: 'How long a service waits for its projection to reach its own write.',
    services: ['all'], status: 'active',
  },
  {
    key: 'shutdownTimeout', flag: '-shutdown-timeout', env: 'ESPALIER_SHUTDOWN_TIMEOUT', kind: 'duration', default: '25s',
    description: 'How long a graceful shutdown may take (finish in-flight work, commit, disconnect).',
    services: ['all'], status: 'active',
  },
  {
    key: 'logLevel', flag: '-log-level', env: 'ESPALIER_LOG_LEVEL', kind: 'enum',
    values: ['trace', 'debug', 'info', 'warn', 'error'], default: 'info',
    description: 'Log level: trace, debug, info, warn or error (-debug raises it to at least debug).',
    services: ['all'], status: 'active',
  },
  {
    key: 'migrate', flag: '-migrate', env: 'ESPALIER_MIGRATE', kind: 'bool', default: 'true',
    description: 'Run database migrations at start-up.',
    services: ['all'], status: 'active',
  },
  {
    key: 'apnsUrl', flag: '-apns-url', env: 'ESPALIER_APNS_URL', kind: 'url', default: 'https://api.push.apple.com',
    description: 'APNs base URL: Apple\'s production host, or a test double (whose CA the process must trust, e.g. NODE_EXTRA_CA_CERTS).',
    services: ['push'], status: 'active',
  },
  {
    key: 'apnsExpiration', flag: '-apns-expiration', env: 'ESPALIER_APNS_EXPIRATION', kind: 'duration', default: undefined,
    description: 'Sends apns-expiration = now + this with every push (APNs keeps an undelivered push that long); unset: no header, as NanoMDM.',
    services: ['push'], status: 'active',
  },
  {
    key: 'apnsConnections', flag: '-apns-connections', env: 'ESPALIER_APNS_CONNECTIONS', kind: 'int', min: 1, default: '2',
    description: 'Long-lived HTTP/2 connections to APNs per push topic.',
    services: ['push'], status: 'active',
  },
  {
    key: 'apnsInFlight', flag: '-apns-in-flight', env: 'ESPALIER_APNS_IN_FLIGHT', kind: 'int', min: 1, default: '1000',
    description: 'Most pushes awaiting an APNs answer at once, per topic (never more than the streams APNs allows).',
    services: ['push'], status: 'active',
  },
  {
    key: 'pushCoalesce', flag: '-push-coalesce', env: 'ESPALIER_PUSH_COALESCE', kind: 'duration', default: '100ms',
    description: 'Window in which push triggers (commands queued, push requests) for one enrollment become one push.',
    services: ['push'], status: 'active',
  },
  {
    key: 'escrowKeyUnlockUrl', flag: '-escrow-key-unlock-url', env: 'ESPALIER_ESCROW_KEY_UNLOCK_URL', kind: 'url',
    default: 'https://deviceservices-external.apple.com/deviceservicesworkers/escrowKeyUnlock',
    description: "Apple's Activation Lock bypass (escrowKeyUnlock) endpoint used by /v1/escrowkeyunlock.",
    services: ['api'], status: 'active',
  },
  {
    key: 'pushWait', flag: '-push-wait', env: 'ESPALIER_PUSH_WAIT', kind: 'duration', default: '2s',
    description: 'How long /v1/push and /v1/enqueue wait for push outcomes; an ID whose outcome comes later is answered {} (its PushSent/PushFailed follows on mdm.push).',
    services: ['api'], status: 'active',
  },
  {
    key: 'bodyLimit', flag: '-body-limit', env: 'ESPALIER_BODY_LIMIT', kind: 'int', min: 1024, default: '10485760',
    description: 'Largest request body in bytes (device requests, enqueued commands, push certificates); larger requests get 413.',
    services: ['checkin', 'commands', 'api'], status: 'active',
  },
  {
    key: 'retentionResults', flag: '-retention-results', env: 'ESPALIER_RETENTION_RESULTS', kind: 'enum',
    values: ['keep', 'delete'], default: 'keep',
    description:
      'Command results once answered: keep (latest status and report per enrollment, as NanoMDM\'s SQL) or delete (NanoMDM\'s delete=1: the entry goes, the CommandUUID becomes reusable once no enrollment has it).',
    services: ['commands'], status: 'active',
  },
  {
    key: 'webhookMaxAttempts', flag: '-webhook-max-attempts', env: 'ESPALIER_WEBHOOK_MAX_ATTEMPTS', kind: 'int', min: 1, default: '20',
    description:
      'POST attempts per webhook event before it goes to <topic>.dlq and delivery moves on (with the default backoff, 20 attempts keep retrying for 30 to 60 minutes).',
    services: ['webhook'], status: 'active',
  },
  {
    key: 'webhookBackoffMin', flag: '-webhook-backoff-min', env: 'ESPALIER_WEBHOOK_BACKOFF_MIN', kind: 'duration', default: '1s',
    description: 'Wait before the second attempt of a failed webhook POST; each further wait doubles (half of it random).',
    services: ['webhook'], status: 'active',
  },
  {
    key: 'webhookBackoffMax', flag: '-webhook-backoff-max', env: 'ESPALIER_WEBHOOK_BACKOFF_MAX', kind: 'duration', default: '5m',
    description: 'Longest wait between two attempts of a failed webhook POST.',
    services: ['webhook'], status: 'active',
  },
  {
    key: 'webhookTimeout', flag: '-webhook-timeout', env: 'ESPALIER_WEBHOOK_TIMEOUT', kind: 'duration', default: '30s',
    description: 'How long one webhook POST may take before it counts as failed (and is retried).',
    services: ['webhook'], status: 'active',
  },
  {
    key: 'webhookConcurrency', flag: '-webhook-concurrency', env: 'ESPALIER_WEBHOOK_CONCURRENCY', kind: 'int', min: 1, default: '16',
    description: 'Most webhook POSTs in flight at once (one per device at a time: a device\'s events are posted in its request order).',
    services: ['webhook'], status: 'active',
  },
  {
    key: 'webhookOrderMargin', flag: '-webhook-order-margin', env: 'ESPALIER_WEBHOOK_ORDER_MARGIN', kind: 'duration', default: '1s',
    description:
      'How far past a webhook\'s time the other topic (check-ins or command reports) must be read before it is posted, so a device\'s check-ins and reports arrive in its request order: larger than the clock difference between the checkin and commands services. Every webhook waits at least this long.',
    services: ['webhook'], status: 'active',
  },
] as const satisfies readonly SettingSpec[];
