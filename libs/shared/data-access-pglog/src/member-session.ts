import { createHash, randomInt } from 'node:crypto';
import { Client, type QueryResultRow } from 'pg';
import { prepared, type PreparedQuery } from '@espalier/shared/data-access-postgres';

/**
 * One group member's own PostgreSQL session. Ownership is a session-level
 * advisory lock: the member holds one lock saying "I am a member of this
 * group" and one per partition it owns. A process that dies (or loses its
 * connection) loses its session and with it every lock, at once; the other
 * members see it at their next ownership check. Offsets are committed on
 * this session too, so a member whose session is gone cannot commit.
 *
 * Locks use the two-int4 key form (shown as objsubid 2 in pg_locks): the
 * first key is a 31-bit hash of (log schema, group[, topic]), the second the
 * member's random ID or the partition number.
 */
export class MemberSession {
  readonly memberId = randomInt(1, 0x7fffffff);
  private client: Client | null = null;
  private lost: Error | null = null;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly connectionString: string,
    private readonly scope: string,
    private readonly groupId: string,
  ) {}

  /** False once the connection failed: its locks are gone, whatever this process believed. */
  get alive(): boolean {
    return this.client !== null && this.lost === null;
  }

  private get db(): Client {
    if (!this.client || this.lost) throw this.lost ?? new Error(`consuming ${this.groupId}: no member session`);
    return this.client;
  }

  /** Connects and registers as a member of the group. */
  async open(): Promise<void> {
    // Ownership is this session's advisory locks: a host that vanishes without closing its socket
    // must lose them in seconds, not after the kernel's two-hour keepalive, so both ends probe
    // the connection, and a statement stuck on a half-open link gives up.
    const client = new Client({
      connectionString: this.connectionString,
      application_name: `espalier-pglog-member:${this.groupId}`.slice(0, 63),
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      query_timeout: 30_000,
      options: '-c tcp_keepalives_idle=10 -c tcp_keepalives_interval=5 -c tcp_keepalives_count=3',
    });
    client.on('error', (error) => {
      this.lost ??= error;
    });
    await client.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1, $2)', [this.membersKey, this.memberId]);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    this.client = client;
    this.lost = null;
    this.queue = Promise.resolve();
  }

  /**
   * Ends the session, which releases every lock it holds. The member lock is
   * released first by hand: behind a multiplexer that gives all connections
   * one session (pglite-socket), ending a connection releases nothing.
   */
  async close(): Promise<void> {
    const client = this.client;
    if (client && this.alive) await this.query('SELECT pg_advisory_unlock($1, $2)', [this.membersKey, this.memberId]).catch(() => undefined);
    this.client = null;
    if (!client) return;
    await client.end().catch(() => undefined);
  }

  markLost(error: unknown): void {
    this.lost ??= error instanceof Error ? error : new Error(String(error));
  }

  /**
   * Runs a statement on the session. Workers commit and the ownership check
   * asks concurrently; the session takes one statement at a time, in order.
   */
  query<R extends object>(sql: string | PreparedQuery, params: unknown[]): Promise<{ rows: R[] }> {
    const db = this.db;
    const run = this.queue.then(() => db.query<R & QueryResultRow>(sql, params));
    this.queue = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Live members of the group in this database (sessions holding a member lock). */
  async members(): Promise<number> {
    const { rows } = await this.query<{ n: number }>(
      prepared(`SELECT count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = $1::int8::oid
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`),
      [this.membersKey],
    );
    return Math.max(1, rows[0].n);
  }

  async tryOwn(topic: string, partition: number): Promise<boolean> {
    const { rows } = await this.query<{ owned: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS owned', [this.topicKey(topic), partition]);
    return rows[0].owned;
  }

  async release(topic: string, partition: number): Promise<void> {
    await this.query('SELECT pg_advisory_unlock($1, $2)', [this.topicKey(topic), partition]);
  }

  private get membersKey(): number {
    return membersKeyOf(this.scope, this.groupId);
  }

  private topicKey(topic: string): number {
    return key31(`${this.scope}\0${this.groupId}\0${topic}`);
  }
}

/** The first key of a group's member locks (the second is each member's ID). */
export function membersKeyOf(scope: string, groupId: string): number {
  return key31(`${scope}\0${groupId}\0members`);
}

/** A non-negative int4 (so its oid in pg_locks reads the same number). */
function key31(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32BE(0) & 0x7fffffff;
}
