import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * Field names whose values are secrets anywhere in a log object. Secrets are
 * encrypted before they reach the event log; this keeps a careless
 * `logger.info({ config })` from printing them in clear.
 */
export const REDACTED_FIELDS = [
  'secretKey',
  'api',
  'apiKey',
  'password',
  'privateKey',
  'bootstrapToken',
  'unlockToken',
  'dmSendHmacKey',
  'dmRecvHmacKey',
  'webhookHmacKey',
  'authorization',
];

export interface LoggerOptions {
  readonly service: string;
  readonly level: string;
  /** Where to write; stdout by default. Tests pass a stream to assert on output. */
  readonly destination?: NodeJS.WritableStream;
}

/** Structured JSON logs, one line per entry, with the service name on every line. */
export function createLogger(options: LoggerOptions): Logger {
  const paths = REDACTED_FIELDS.flatMap((f) => [f, `*.${f}`, `*.*.${f}`]);
  return pino(
    {
      level: options.level,
      base: { service: options.service },
      redact: { paths, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    (options.destination ?? process.stdout) as pino.DestinationStream,
  );
}
