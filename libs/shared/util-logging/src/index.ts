export { createLogger, REDACTED_FIELDS, type Logger, type LoggerOptions } from './logger';
