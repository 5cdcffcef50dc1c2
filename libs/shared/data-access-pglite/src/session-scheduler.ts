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

/**
 * Runs protocol units from many client connections on PGlite's one backend
 * session, one unit at a time, in arrival order — except that a connection that
 * leaves the session mid-transaction (ReadyForQuery 'T'/'E') or mid-cycle (no
 * ReadyForQuery yet, after a Flush or inside COPY) owns the session until a unit
 * of its own ends idle ('I'). Other connections' units wait, in order, meanwhile.
 */
export class SessionScheduler {
  private readonly queue: Job[] = [];
  private readonly closing = new Map<ConnectionId, { resolve(): void; reject(error: unknown): void }>();
  private owner: ConnectionId | undefined;
  private pumping = false;

  constructor(private readonly db: PGlite) {}

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
  release(conn: ConnectionId): Promise<void> {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (this.queue[i].conn !== conn) continue;
      const [dropped] = this.queue.splice(i, 1);
      dropped.reject(new Error('connection closed'));
    }
    return new Promise((resolve, reject) => {
      this.closing.set(conn, { resolve, reject });
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
      if (this.owner !== conn) {
        settle.resolve();
        continue;
      }
      try {
        await this.db.runExclusive(() => this.db.execProtocolRaw(ABORT_SESSION));
        settle.resolve();
      } catch (error) {
        settle.reject(error);
      } finally {
        this.owner = undefined;
      }
    }
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
          // runExclusive keeps PGlite's own callers (close, internal queries) off the session too.
          const response = await this.db.runExclusive(() => this.db.execProtocolRaw(job.unit));
          this.owner = lastReadyStatus(response) === 'I' ? undefined : job.conn;
          job.resolve(response);
        } catch (error) {
          // The failed connection gets closed and released, which aborts whatever the
          // failure left behind; until then nobody else may run on that session state.
          this.owner = job.conn;
          job.reject(error);
        }
      }
    } finally {
      this.pumping = false;
    }
    // A release may have landed while settleClosing was awaiting an abort.
    if (this.closing.size > 0) void this.pump();
  }
}
