import { chmod, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { createServer, type Server, type Socket } from 'node:net';
import { PGlite } from '@electric-sql/pglite';
import { ClientConnection } from './client-connection';
import { silentLogger, type EmbeddedPostgresLogger } from './logger';
import { SessionScheduler, type ConnectionId } from './session-scheduler';

export interface EmbeddedPostgresOptions {
  /** Host directory holding PGDATA; created (recursively) when missing. */
  dataDir: string;
  logger?: EmbeddedPostgresLogger;
  /** Listen address; default 127.0.0.1 (the server has no authentication). */
  host?: string;
  /** Listen port; default 0 picks a free ephemeral port (see `connectionString`). */
  port?: number;
  /**
   * Listen on a Unix socket in this directory instead of TCP (`host` and
   * `port` are then unused): made private to this user (0700), so no other
   * user can connect, and cheaper per message than loopback TCP.
   */
  socketDir?: string;
  /**
   * How long a connection may hold the session inside a transaction without
   * sending anything while other connections wait for it; it is then terminated
   * and rolled back (PostgreSQL's idle_in_transaction_session_timeout). Default 60 s.
   */
  idleInTransactionTimeoutMs?: number;
}

const DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * An in-process PostgreSQL (PGlite, the WebAssembly build) served over TCP so
 * that unmodified `pg` clients and pools can use it.
 *
 * One backend session, many connections. PGlite runs a single single-user
 * backend, so every client connection shares it. The server keeps each
 * connection's view correct by running protocol *units* (everything up to a Sync,
 * a simple Query, a Flush, or the end of a COPY) atomically, and by giving the
 * session exclusively to a connection while it is inside a transaction: other
 * connections queue until it commits or rolls back. A connection that disappears
 * mid-transaction is rolled back. Consequences callers must accept:
 * - Session-level state is shared by all connections: SET (outside a
 *   transaction), session advisory locks, prepared statement names, temp tables,
 *   LISTEN. Callers in this project already cope with a one-session server (see
 *   `localOwners` in data-access-pglog's pg-consumer). Startup parameters such as
 *   `statement_timeout`, `application_name` or `options=-c ...` are accepted and
 *   ignored for the same reason.
 * - There is no concurrency: a long transaction blocks every other connection,
 *   and two connections that each wait inside a transaction for the other deadlock
 *   (PostgreSQL row locks can never conflict here, the queue serialises instead)
 *   until the idle-in-transaction timeout ends the one holding the session.
 * - COPY FROM STDIN is refused with SQLSTATE 0A000 (PGlite cannot read COPY data
 *   from a client); cancel requests are ignored; there is no SSL and no password.
 *
 * Durability (verified for PGlite 0.5.16 with its Node filesystem): PGlite starts
 * postgres with `-F` (fsync off) and its NODEFS mount has no fsync operation, while
 * `syncToFs` (which `execProtocolRawStream` calls after every unit by default, and which
 * is left on here) is a no-op for that filesystem. What does hold is that postgres
 * writes through to the host files with synchronous `write` calls during the
 * statement: the WAL of a COMMIT is in the host's page cache when the client gets
 * its answer. A committed transaction therefore survives the Node process being
 * killed (tested with SIGKILL), but NOT an operating-system crash or power loss —
 * no PGlite option makes a commit fsync'd before it returns.
 */
/**
 * PostgreSQL's default 128 MB of shared buffers is most of a small fleet's
 * database again, held in the WebAssembly heap (which never shrinks); 32 MB
 * measured the same device throughput with about 120 MB less memory, the
 * host's page cache holding the rest of the files.
 */
const SERVER_SETTINGS = ['-c', 'shared_buffers=32MB'];

export class EmbeddedPostgres {
  private readonly connections = new Map<ConnectionId, ClientConnection>();
  private readonly scheduler: SessionScheduler;
  private nextConnectionId = 1;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly db: PGlite,
    private readonly server: Server,
    idleInTransactionTimeoutMs: number,
    private readonly logger: EmbeddedPostgresLogger,
    /** e.g. postgres://postgres@127.0.0.1:PORT/postgres; PGlite accepts any user/database name. */
    readonly connectionString: string,
  ) {
    this.scheduler = new SessionScheduler(db, {
      idleInTransactionTimeoutMs,
      terminateIdleOwner: (conn, idleMs) => this.connections.get(conn)?.terminateIdle(idleMs),
    });
    server.on('connection', (socket) => this.accept(socket));
  }

  static async open(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
    const logger = options.logger ?? silentLogger;
    const host = options.host ?? '127.0.0.1';
    await mkdir(options.dataDir, { recursive: true });
    const started = Date.now();
    const db = await PGlite.create(options.dataDir, { startParams: [...PGlite.defaultStartParams, ...SERVER_SETTINGS] });
    const server = createServer();
    let connectionString: string;
    try {
      if (options.socketDir) {
        await mkdir(options.socketDir, { recursive: true, mode: 0o700 });
        await chmod(options.socketDir, 0o700);
        const socketPath = path.join(options.socketDir, '.s.PGSQL.5432');
        await rm(socketPath, { force: true }); // left by a process that was killed
        await listen(server, (done) => server.listen(socketPath, done));
        connectionString = `postgres:///postgres?host=${encodeURIComponent(options.socketDir)}&user=postgres&sslmode=disable`;
      } else {
        await listen(server, (done) => server.listen(options.port ?? 0, host, done));
        const address = server.address();
        if (address === null || typeof address === 'string') throw new Error('embedded postgres: unexpected listen address');
        const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
        connectionString = `postgres://postgres@${urlHost}:${address.port}/postgres?sslmode=disable`;
      }
    } catch (error) {
      await db.close();
      throw error;
    }
    server.on('error', (error) => logger.error({ err: error }, 'embedded postgres listener error'));
    logger.info({ dataDir: options.dataDir, ms: Date.now() - started }, 'embedded postgres ready');
    const idleTimeout = options.idleInTransactionTimeoutMs ?? DEFAULT_IDLE_IN_TRANSACTION_TIMEOUT_MS;
    return new EmbeddedPostgres(db, server, idleTimeout, logger, connectionString);
  }

  /**
   * Stops listening, drops every client (rolling back a transaction left open)
   * and shuts PGlite down cleanly so the data directory opens again without
   * recovery. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const released = [...this.connections.values()].map((c) => {
      c.end();
      return c.released;
    });
    await Promise.all([stopped, ...released]);
    await this.db.close();
    this.logger.info({}, 'embedded postgres closed');
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const id = this.nextConnectionId++;
    const connection = new ClientConnection(id, socket, this.scheduler, this.logger);
    this.connections.set(id, connection);
    void connection.released.then(() => this.connections.delete(id));
  }
}

function listen(server: Server, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    start(() => {
      server.off('error', reject);
      resolve();
    });
  });
}
