import path from 'node:path';
import { EmbeddedPostgresThread } from '@espalier/shared/data-access-pglite';
import type { Logger } from '@espalier/shared/util-logging';

export interface Database {
  readonly url: string;
  /** Where it lives, for the start-up message (never the credentials). */
  readonly description: string;
  close(): Promise<void>;
}

/**
 * DATABASE_URL when set (a real PostgreSQL server); otherwise PostgreSQL
 * embedded in this process (PGlite) with its files under the data
 * directory, served on a Unix socket in that directory (private to this
 * user, mode 0700) so the services' `pg` pools use it like any server. It
 * asks no password; only this user can reach the socket. A data directory
 * whose path is too long for a socket name falls back to an ephemeral
 * loopback port, which any local process could reach while Espalier runs.
 * PGlite runs on a thread of its own.
 */
export async function openDatabase(env: NodeJS.ProcessEnv, dataDir: string, logger: Logger): Promise<Database> {
  if (env.DATABASE_URL) {
    const u = new URL(env.DATABASE_URL);
    return { url: env.DATABASE_URL, description: `PostgreSQL at ${u.host}${u.pathname}`, close: async () => undefined };
  }
  const dir = path.join(dataDir, 'pglite');
  const socketDir = path.join(dataDir, 'run');
  // Linux allows 107 bytes for a socket path.
  const fits = Buffer.byteLength(path.join(socketDir, '.s.PGSQL.5432')) <= 100;
  const db = await EmbeddedPostgresThread.open({ dataDir: dir, socketDir: fits ? socketDir : undefined, logger: logger.child({ component: 'pglite' }) });
  const servedAt = fits ? `the socket in ${socketDir}` : new URL(db.connectionString).host;
  return { url: db.connectionString, description: `embedded PostgreSQL (PGlite) in ${dir}, served at ${servedAt}`, close: () => db.close() };
}
