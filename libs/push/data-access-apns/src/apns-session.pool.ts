import { ApnsSession, type ApnsSessionOptions } from './apns-session';

export interface ApnsSessionPoolOptions extends ApnsSessionOptions {
  /** Most connections kept open at once. */
  readonly size: number;
  /** Most streams in flight over all connections; further requests wait in order. */
  readonly maxInFlight: number;
}

interface Waiter {
  resolve(session: ApnsSession): void;
  reject(error: Error): void;
}

/**
 * A few long-lived APNs connections, opened one at a time as load needs them. A request waits
 * for a free stream on the least busy session rather than exceeding the peer's
 * SETTINGS_MAX_CONCURRENT_STREAMS; a session that is gone (GOAWAY, close, error) is dropped
 * and a later request opens a replacement.
 */
export class ApnsSessionPool {
  private readonly sessions: ApnsSession[] = [];
  private readonly waiting: Waiter[] = [];
  private inFlight = 0;
  private closed = false;

  constructor(private readonly options: ApnsSessionPoolOptions) {}

  /** Resolves with a session whose stream slot is reserved; `release` it when the stream closes. */
  acquire(): Promise<ApnsSession> {
    if (this.closed) return Promise.reject(new Error('apns client closed'));
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.pump();
    });
  }

  release(session: ApnsSession): void {
    session.inFlight -= 1;
    this.inFlight -= 1;
    this.pump();
  }

  /** Sessions currently open (for tests and metrics). */
  get openSessions(): number {
    return this.sessions.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failWaiting(new Error('apns client closed'));
    await Promise.all(this.sessions.splice(0).map((session) => session.close()));
  }

  private pump(): void {
    while (this.waiting.length > 0 && this.inFlight < this.options.maxInFlight) {
      const session = this.leastBusy();
      if (!session) return this.grow();
      session.inFlight += 1;
      this.inFlight += 1;
      (this.waiting.shift() as Waiter).resolve(session);
    }
  }

  private leastBusy(): ApnsSession | undefined {
    let best: ApnsSession | undefined;
    for (const session of this.sessions) {
      if (session.freeStreams() > 0 && (!best || session.inFlight < best.inFlight)) best = session;
    }
    return best;
  }

  /** Opens one more session if none is still connecting and the pool has room. */
  private grow(): void {
    if (this.closed || this.sessions.length >= this.options.size) return;
    if (this.sessions.some((session) => !session.ready)) return;
    this.sessions.push(
      new ApnsSession(this.options, {
        onSettings: () => this.pump(),
        onGone: (session, error) => this.drop(session, error),
      }),
    );
  }

  private drop(session: ApnsSession, error: Error | undefined): void {
    const index = this.sessions.indexOf(session);
    if (index >= 0) this.sessions.splice(index, 1);
    // A connection that failed before it could carry anything, with no other to fall back on:
    // fail the waiting requests instead of reconnecting in a loop.
    if (!session.ready && !this.sessions.some((other) => other.ready)) {
      this.failWaiting(error ?? new Error('apns connection closed before settings'));
    }
    this.pump();
  }

  private failWaiting(error: Error): void {
    for (const waiter of this.waiting.splice(0)) waiter.reject(error);
  }
}
