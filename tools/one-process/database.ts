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
 * directory, served on an ephemeral loopback port so the services' `pg`
 * pools use it like any server. It asks no password, like a local
 * PostgreSQL with trust authentication: any process on this machine could
 * connect while Espalier runs. PGlite runs on a thread of its own.
 */
export async function openDatabase(env: NodeJS.ProcessEnv, dataDir: string, logger: Logger): Promise<Database> {
  if (env.DATABASE_URL) {
    const u = new URL(env.DATABASE_URL);
    return { url: env.DATABASE_URL, description: `PostgreSQL at ${u.host}${u.pathname}`, close: async () => undefined };
  }
  const dir = path.join(dataDir, 'pglite');
  const db = await EmbeddedPostgresThread.open({ dataDir: dir, logger: logger.child({ component: 'pglite' }) });
  return { url: db.connectionString, description: `embedded PostgreSQL (PGlite) in ${dir}, served at ${new URL(db.connectionString).host}`, close: () => db.close() };
}
