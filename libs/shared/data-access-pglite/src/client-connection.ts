import type { Socket } from 'node:net';
import { guardCopyFromStdin } from './copy-guard';
import { DeferredBegin } from './deferred-begin';
import { StatementNames } from './statement-names';
import type { EmbeddedPostgresLogger } from './logger';
import type { ConnectionId, SessionScheduler } from './session-scheduler';
import { endsUnit, readStartupFrame, readTypedFrame } from './wire-messages';

/** 'N': the server declines SSL / GSS encryption and the client continues in plain text. */
const DECLINE = Buffer.from('N');

/**
 * What PostgreSQL sends before dropping a connection for
 * idle_in_transaction_session_timeout (FATAL 25P03), so the client's error
 * says why rather than only "connection terminated unexpectedly".
 */
const IDLE_IN_TRANSACTION_FATAL = errorResponse('FATAL', '25P03', 'terminating connection due to idle-in-transaction timeout');

/**
 * One client socket. Cuts its byte stream into protocol messages, groups them
 * into units (see `endsUnit`), hands each unit to the shared scheduler and writes
 * the answers back in order. Units are submitted as soon as they are complete, so
 * a pipelining client keeps its order: the scheduler runs one connection's units FIFO.
 */
export class ClientConnection {
  private buffer: Buffer = Buffer.alloc(0);
  private started = false;
  private pending: Buffer[] = [];
  private closed = false;
  private readonly names: StatementNames;
  private readonly begin = new DeferredBegin();
  /** Units submitted and not answered yet: an answer given at once must not overtake them. */
  private inFlight = 0;
  /** Settles after the scheduler has rolled back whatever this connection left open. */
  readonly released: Promise<void>;
  private markReleased!: () => void;

  constructor(
    private readonly id: ConnectionId,
    private readonly socket: Socket,
    private readonly scheduler: SessionScheduler,
    private readonly logger: EmbeddedPostgresLogger,
  ) {
    this.released = new Promise((resolve) => (this.markReleased = resolve));
    this.names = new StatementNames(`c${id}_`);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.logger.warn({ conn: id, err: error }, 'embedded postgres client socket error'));
    socket.on('close', () => this.onClose());
  }

  /** Ends the connection from the server side (shutdown); the rollback follows via 'close'. */
  end(): void {
    this.socket.destroy();
  }

  /**
   * Ends a connection that sat in a transaction while others waited for the
   * session. Nothing it sends from now on runs; the rollback follows via
   * 'close'. Destroyed rather than ended: a stuck client may never answer a FIN.
   */
  terminateIdle(idleMs: number): void {
    if (this.closed) return;
    this.closed = true;
    this.logger.warn({ conn: this.id, idleMs }, `embedded postgres: terminating connection ${this.id}, idle in transaction for ${idleMs} ms while others waited`);
    if (this.socket.writable) this.socket.write(IDLE_IN_TRANSACTION_FATAL);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    try {
      while (!this.closed && (this.started ? this.takeMessage() : this.takeStartup()));
    } catch (error) {
      this.logger.warn({ conn: this.id, err: error }, 'embedded postgres protocol violation, closing');
      this.socket.destroy();
    }
  }

  /** Handles one packet before the startup message; false when more bytes are needed. */
  private takeStartup(): boolean {
    const cut = readStartupFrame(this.buffer);
    if (!cut) return false;
    this.buffer = cut.rest;
    const { frame } = cut;
    if (frame.kind === 'ssl' || frame.kind === 'gssenc') {
      this.socket.write(DECLINE);
    } else if (frame.kind === 'startup') {
      // PGlite answers the startup packet itself (auth ok, parameter status, key data,
      // ReadyForQuery) and ignores its parameters, so per-connection GUCs never leak
      // into the shared session.
      this.started = true;
      this.run(Buffer.from(frame.bytes));
    } else {
      // Cancel requests cannot be honoured: the one backend is busy on our own thread.
      this.socket.destroy();
    }
    return true;
  }

  /** Accumulates one typed message into the current unit; false when more bytes are needed. */
  private takeMessage(): boolean {
    const cut = readTypedFrame(this.buffer);
    if (!cut) return false;
    this.buffer = cut.rest;
    const { type, bytes } = cut.frame;
    if (type === 'X') {
      // Terminate is not forwarded: PGlite would treat it as the end of its only session.
      this.socket.end();
      this.closed = true;
      return false;
    }
    // Copy out of the socket chunk, which Node may reuse once this callback returns.
    const named = this.names.rewrite(type, bytes);
    this.pending.push(named === bytes ? Buffer.from(bytes) : named);
    if (endsUnit(type)) {
      const unit = guardCopyFromStdin(this.pending);
      this.pending = [];
      this.run(unit);
    }
    return true;
  }

  private run(submitted: Buffer): void {
    const answerNow = this.inFlight === 0 ? this.begin.defer(submitted) : null;
    if (answerNow) {
      if (this.socket.writable) this.socket.write(answerNow);
      return;
    }
    const { unit, strip } = this.begin.prepare(submitted);
    this.inFlight += 1;
    this.scheduler.submit(this.id, unit).then(
      (response) => {
        this.inFlight -= 1;
        const answer = this.begin.answer(response, strip);
        if (this.socket.writable && answer.length > 0) this.socket.write(Buffer.from(answer));
      },
      (error: unknown) => {
        this.inFlight -= 1;
        if (this.closed) return; // units of a closed connection are dropped on purpose
        this.logger.error({ conn: this.id, err: error }, 'embedded postgres failed to execute a unit, closing');
        this.socket.destroy();
      },
    );
  }

  private onClose(): void {
    this.closed = true;
    this.scheduler.release(this.id, this.names.closeAll() ?? undefined).then(
      () => this.markReleased(),
      (error: unknown) => {
        this.logger.error({ conn: this.id, err: error }, 'embedded postgres could not roll back a closed connection');
        this.markReleased();
      },
    );
  }
}

/** A backend ErrorResponse ('E'): severity (twice, localised and not), SQLSTATE and message. */
function errorResponse(severity: string, code: string, message: string): Buffer {
  const fields = Buffer.concat([
    ...[`S${severity}`, `V${severity}`, `C${code}`, `M${message}`].map((field) => Buffer.from(`${field}\0`)),
    Buffer.from([0]),
  ]);
  const header = Buffer.alloc(5);
  header.write('E', 0);
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
}
