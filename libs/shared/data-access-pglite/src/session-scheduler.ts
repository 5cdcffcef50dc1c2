import type { PGlite } from '@electric-sql/pglite';
import { lastReadyStatus, simpleQuery, SYNC } from './wire-messages';

/** Identifies one client connection to the scheduler. */
export type ConnectionId = number;

interface Job {
  conn: ConnectionId;
  unit: Uint8Array;
  resolve(response: Uint8Array): void;
  reject(error: unknown): void;
}

/**
 * Aborts whatever a vanished client left open, whatever state the backend is in:
 * - the first ROLLBACK ends an explicit block, or aborts an implicit extended-protocol
 *   transaction (PostgreSQL aborts a TBLOCK_STARTED transaction on ROLLBACK) —
 *   unless the backend is skipping input after an extended-protocol error;
 * - Sync then ends that skipping (a Sync on an idle session is harmless);
 * - the second ROLLBACK ends an explicit block whose error was raised mid-cycle.
 * "No transaction in progress" warnings are discarded with the rest of the output.
 * Checked against PGlite 0.5.16 for: implicit transaction after a Flush, explicit
 * block, and an error mid-cycle with and without an explicit block.
 */
const ABORT_SESSION = Buffer.concat([simpleQuery('ROLLBACK'), SYNC, simpleQuery('ROLLBACK')]);

export interface SessionSchedulerOptions {
  /** PostgreSQL's idle_in_transaction_session_timeout, but only enforced while others wait. */
  readonly idleInTransactionTimeoutMs: number;
  /**
   * Asked to end a connection that held the session idle for too long while
   * others waited. It must close that connection, whose `release` then aborts
   * the transaction and lets the others run.
   */
  readonly terminateIdleOwner: (conn: ConnectionId, idleMs: number) => void;
}

/**
 * Runs protocol units from many client connections on PGlite's one backend
 * session, one unit at a time, in arrival order — except that a connection that
 * leaves the session mid-transaction (ReadyForQuery 'T'/'E') or mid-cycle (no
 * ReadyForQuery yet, after a Flush or inside COPY) owns the session until a unit
 * of its own ends idle ('I'). Other connections' units wait, in order, meanwhile.
 *
 * An owner that stops sending would make them wait forever, so an owner with
 * nothing of its own queued or running for longer than the idle timeout, while
 * another connection's unit waits, is terminated. An idle owner nobody waits
 * for is left alone: it costs no one anything.
 */
export class SessionScheduler {
  private readonly queue: Job[] = [];
  private readonly closing = new Map<ConnectionId, { resolve(): void; reject(error: unknown): void; cleanup?: Uint8Array }>();
  private owner: ConnectionId | undefined;
  private pumping = false;
  /** When the owner's last unit ended; undefined while there is no owner, or once it has been told to go. */
  private ownerIdleSince: number | undefined;
  /** Armed for one idle period, the one that began at `ownerIdleSince`. */
  private idleTimer: { readonly since: number; readonly handle: NodeJS.Timeout } | undefined;

  constructor(
    private readonly db: PGlite,
    private readonly options: SessionSchedulerOptions,
  ) {}

  /** Queues one unit; resolves with PGlite's raw response bytes for it. */
  submit(conn: ConnectionId, unit: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ conn, unit, resolve, reject });
      void this.pump();
    });
  }

  /**
   * Forgets a connection that has gone: its queued units are dropped (their
   * promises reject), and once any unit of it that is executing right now has
   * finished, a transaction it left open is rolled back before anyone else runs.
   */
  release(conn: ConnectionId, cleanup?: Uint8Array): Promise<void> {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].conn !== conn) continue;
      const [dropped] = this.queue.splice(i, 1);
      dropped.reject(new Error('connection closed'));
    }
    return new Promise((resolve, reject) => {
      this.closing.set(conn, { resolve, reject, cleanup });
      void this.pump();
    });
  }

  private next(): Job | undefined {
    const index = this.owner === undefined ? 0 : this.queue.findIndex((j) => j.conn === this.owner);
    if (index < 0 || index >= this.queue.length) return undefined;
    return this.queue.splice(index, 1)[0];
  }

  /**
   * Runs between units, so no closing connection has a unit in flight: those that
   * do not own the session are simply done; an owner's transaction is aborted first.
   */
  private async settleClosing(): Promise<void> {
    for (const [conn, settle] of [...this.closing]) {
      this.closing.delete(conn);
      try {
        if (this.owner === conn) await this.execute(ABORT_SESSION);
        // What the connection left in the session's namespace (its prepared statements), output discarded.
        if (settle.cleanup) await this.execute(settle.cleanup);
        settle.resolve();
      } catch (error) {
        settle.reject(error);
      } finally {
        if (this.owner === conn) {
          this.owner = undefined;
          this.ownerIdleSince = undefined;
        }
      }
    }
  }

  /**
   * Runs one unit and returns the backend's raw answer. execProtocolRawStream,
   * not execProtocolRaw: the latter also parses every answer into a results
   * list that only PGlite's own execProtocol ever clears, so through it every
   * row ever returned stays in memory (measured: about 1 MB per 500-row
   * result, never freed), and the parsing costs CPU besides. runExclusive
   * keeps PGlite's own callers (close, internal queries) off the session too.
   */
  private async execute(unit: Uint8Array): Promise<Uint8Array> {
    const chunks: Buffer[] = [];
    // The chunk may be a view of PGlite's memory, reused after the callback: copied.
    await this.db.runExclusive(() => this.db.execProtocolRawStream(unit, { onRawData: (data) => void chunks.push(Buffer.from(data)) }));
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      for (;;) {
        await this.settleClosing();
        const job = this.next();
        if (!job) break;
        try {
          const response = await this.execute(job.unit);
          this.owner = lastReadyStatus(response) === 'I' ? undefined : job.conn;
          job.resolve(response);
        } catch (error) {
          // The failed connection gets closed and released, which aborts whatever the
          // failure left behind; until then nobody else may run on that session state.
          this.owner = job.conn;
          job.reject(error);
        }
        this.ownerIdleSince = this.owner === undefined ? undefined : performance.now();
      }
    } finally {
      this.pumping = false;
    }
    // A release may have landed while settleClosing was awaiting an abort.
    if (this.closing.size > 0) void this.pump();
    else this.guardIdleOwner();
  }

  /**
   * Called whenever the pump stops, which every submit and release passes
   * through: arms the idle timer exactly while an owner is idle and someone waits
   * (the pump stopping with units queued means none of them is the owner's).
   */
  private guardIdleOwner(): void {
    const idleSince = this.ownerIdleSince;
    const waiting = this.owner !== undefined && idleSince !== undefined && this.queue.length > 0 && !this.closing.has(this.owner);
    if (waiting && this.idleTimer?.since === idleSince) return; // still the same idle period
    clearTimeout(this.idleTimer?.handle);
    this.idleTimer = undefined;
    if (!waiting) return;
    const owner = this.owner as ConnectionId;
    const delay = Math.max(0, idleSince + this.options.idleInTransactionTimeoutMs - performance.now());
    const handle = setTimeout(() => {
      this.idleTimer = undefined;
      // Re-checked: the owner may have run, committed or gone in the meantime (a
      // running pump re-arms the guard when it stops).
      if (this.pumping || this.owner !== owner || this.ownerIdleSince !== idleSince || this.queue.length === 0) return;
      this.ownerIdleSince = undefined;
      this.options.terminateIdleOwner(owner, Math.round(performance.now() - idleSince));
    }, delay);
    this.idleTimer = { since: idleSince, handle };
  }
}
