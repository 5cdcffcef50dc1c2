/** The pino-shaped subset the embedded server logs through (same shape as PgLogLogger). */
export interface EmbeddedPostgresLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Used when the caller passes no logger: the server stays silent rather than printing. */
export const silentLogger: EmbeddedPostgresLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
