import { Pool } from 'pg';

export interface PoolOptions {
  readonly connectionString: string;
  readonly max?: number;
  readonly applicationName: string;
}

/** One pool per process; statements time out rather than hang a request forever. */
export function createPool(options: PoolOptions): Pool {
  return new Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    statement_timeout: 30_000,
  });
}
