import http2, { type ClientHttp2Session } from 'node:http2';

export interface ApnsSessionOptions {
  readonly baseUrl: string;
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly ca?: string;
}

export interface ApnsGoaway {
  readonly code: number;
  readonly debugData: Buffer | undefined;
}

export interface ApnsSessionEvents {
  /** SETTINGS arrived (first or changed): the stream limit may have moved. */
  onSettings(session: ApnsSession): void;
  /** The session takes no more streams (GOAWAY, close, error). Called once. */
  onGone(session: ApnsSession, error: Error | undefined): void;
}

/** Without a SETTINGS limit, HTTP/2 allows unlimited streams; cap it anyway. */
const FALLBACK_STREAM_LIMIT = 1000;

/**
 * One long-lived mutual-TLS HTTP/2 connection to APNs (Apple treats rapid reconnects as abuse,
 * infra-notes "APNs"). It counts the streams in flight and reads the peer's current limit.
 */
export class ApnsSession {
  readonly http2: ClientHttp2Session;
  inFlight = 0;
  /** SETTINGS received: until then the peer's stream limit is unknown. */
  ready = false;
  gone = false;
  goaway: ApnsGoaway | undefined;

  constructor(options: ApnsSessionOptions, events: ApnsSessionEvents) {
    this.http2 = http2.connect(options.baseUrl, {
      cert: options.certificatePem,
      key: options.privateKeyPem,
      ...(options.ca === undefined ? {} : { ca: options.ca }),
    });
    this.http2.on('remoteSettings', () => {
      this.ready = true;
      events.onSettings(this);
    });
    this.http2.on('goaway', (code: number, _lastStreamId: number, debugData?: Buffer) => {
      this.goaway = { code, debugData };
      this.markGone(events, undefined);
    });
    // Node destroys the session with an error after a non-zero GOAWAY; the listener keeps
    // that from crashing the process, and each stream reports its own failure.
    this.http2.on('error', (error: Error) => this.markGone(events, error));
    this.http2.on('close', () => this.markGone(events, undefined));
  }

  /** Streams this session may open now: the peer's limit (it can drop after rejections) minus those in flight. */
  freeStreams(): number {
    if (!this.ready || this.gone) return 0;
    const limit = this.http2.remoteSettings.maxConcurrentStreams ?? FALLBACK_STREAM_LIMIT;
    return Math.min(limit, FALLBACK_STREAM_LIMIT) - this.inFlight;
  }

  /** Takes no new streams; resolves once those in flight finished and the socket closed. */
  close(): Promise<void> {
    this.gone = true;
    if (this.http2.destroyed) return Promise.resolve();
    return new Promise((resolve) => {
      this.http2.once('close', () => resolve());
      if (!this.http2.closed) this.http2.close();
    });
  }

  private markGone(events: ApnsSessionEvents, error: Error | undefined): void {
    if (this.gone) return;
    this.gone = true;
    if (!this.http2.closed && !this.http2.destroyed) this.http2.close();
    events.onGone(this, error);
  }
}
