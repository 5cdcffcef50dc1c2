import { Pool } from 'pg';

export interface PoolOptions {
  readonly connectionString: string;
  readonly max?: number;
  readonly applicationName: string;
  /** Told when an idle connection dies (e.g. the server restarted). */
  readonly onIdleError?: (error: Error) => void;
}

/** One pool per process; statements time out rather than hang a request forever. */
export function createPool(options: PoolOptions): Pool {
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 30_000,
  });
  // An idle connection killed by a server restart is reported on the pool;
  // unhandled, that 'error' event would crash the process. The pool drops the
  // connection and the next query opens a new one.
  pool.on('error', (error) => options.onIdleError?.(error));
  return pool;
}
