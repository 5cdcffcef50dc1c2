import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';

/** Quotes an SQL identifier (schema, table). Identifiers never come from requests, but quote anyway. */
export function ident(name: string): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(name)) throw new Error(`sql: invalid identifier "${name}"`);
  return `"${name}"`;
}

export type Tx = PoolClient;

/** A query to prepare once per connection (pg's named statements). */
export interface PreparedQuery {
  readonly name: string;
  readonly text: string;
}

const preparedNames = new Map<string, string>();

/**
 * For the queries run on every request or batch: a named statement is parsed
 * and planned once per connection instead of on every call (planning is most
 * of the cost of a small query, and far more so on the embedded database).
 * The name comes from the text, so one name never stands for two texts, which
 * pg refuses. Pass it where a query text goes: `db.query(prepared(sql), params)`.
 */
export function prepared(text: string): PreparedQuery {
  let name = preparedNames.get(text);
  if (name === undefined) {
    name = `espalier_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return { name, text };
}

/**
 * Runs fn in one transaction; rolls back on any throw and rethrows. A checked-
 * out connection has no 'error' listener of the pool's (pg-pool listens only
 * while it is idle), so one is attached here: without it, PostgreSQL ending
 * the connection mid-transaction (a restart) is an unhandled 'error' event
 * that kills the process instead of failing the transaction.
 */
export async function withTransaction<T>(pool: Pool, fn: (tx: Tx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost ??= error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    try {
      await client.query('ROLLBACK');
    } catch {
      // The connection itself failed: do not return it to the pool.
      broken = true;
    }
    throw error;
  } finally {
    // A dead connection keeps the listener: it may still report its end.
    if (lost === undefined && !broken) client.off('error', onError);
    client.release(lost ?? broken);
  }
}

const transientClasses = ['08', '53', '57', '58'];
const transientCodes = new Set(['40001', '40P01', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);

/**
 * True for failures of the database rather than of the event being applied:
 * connection loss, shutdown, resource exhaustion, serialization conflicts.
 * Those must never send an event to the dead-letter topic; the batch is
 * retried until the database is back.
 */
export function isTransientDbError(error: unknown): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (transientCodes.has(code)) return true;
  if (code.length === 5 && transientClasses.includes(code.slice(0, 2))) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}
