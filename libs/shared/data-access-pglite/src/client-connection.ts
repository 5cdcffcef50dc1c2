import type { Socket } from 'node:net';
import { guardCopyFromStdin } from './copy-guard';
import type { EmbeddedPostgresLogger } from './logger';
import type { ConnectionId, SessionScheduler } from './session-scheduler';
import { endsUnit, readStartupFrame, readTypedFrame } from './wire-messages';

/** 'N': the server declines SSL / GSS encryption and the client continues in plain text. */
const DECLINE = Buffer.from('N');

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
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.logger.warn({ conn: id, err: error }, 'embedded postgres client socket error'));
    socket.on('close', () => this.onClose());
  }

  /** Ends the connection from the server side (shutdown); the rollback follows via 'close'. */
  end(): void {
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
    this.pending.push(Buffer.from(bytes));
    if (endsUnit(type)) {
      const unit = guardCopyFromStdin(this.pending);
      this.pending = [];
      this.run(unit);
    }
    return true;
  }

  private run(unit: Buffer): void {
    this.scheduler.submit(this.id, unit).then(
      (response) => {
        if (this.socket.writable && response.length > 0) this.socket.write(Buffer.from(response));
      },
      (error: unknown) => {
        if (this.closed) return; // units of a closed connection are dropped on purpose
        this.logger.error({ conn: this.id, err: error }, 'embedded postgres failed to execute a unit, closing');
        this.socket.destroy();
      },
    );
  }

  private onClose(): void {
    this.closed = true;
    this.scheduler.release(this.id).then(
      () => this.markReleased(),
      (error: unknown) => {
        this.logger.error({ conn: this.id, err: error }, 'embedded postgres could not roll back a closed connection');
        this.markReleased();
      },
    );
  }
}
