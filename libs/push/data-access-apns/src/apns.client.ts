import { transportOutcome, type ApnsOutcome } from './apns-outcome';
import { apnsRequestBody, apnsRequestHeaders, type ApnsPush } from './apns-request';
import { ApnsSessionPool } from './apns-session.pool';
import { sendOnSession } from './apns-stream';

export interface ApnsClientOptions {
  /** Default the production host; NanoMDM never uses the development one. */
  readonly baseUrl?: string;
  /** The push certificate for this topic; the TLS client identity. */
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  /** Extra CA to trust (a test server); default the system roots. */
  readonly ca?: string;
  /** Connections kept to APNs; default 2. */
  readonly sessions?: number;
  /** Pushes in flight at once over all connections; default 1000. */
  readonly maxInFlight?: number;
  /** Sends `apns-expiration: now + expirationSeconds` when set (NanoMDM's optional expiration). */
  readonly expirationSeconds?: number;
  /** A push unanswered this long is cancelled and fails as a transport error; default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Clock in Unix milliseconds, for the expiration; default Date.now. */
  readonly now?: () => number;
}

const HEX_TOKEN = /^[0-9a-fA-F]+$/;

/** Sends MDM pushes for one APNs topic with that topic's push certificate. */
export class ApnsClient {
  private readonly pool: ApnsSessionPool;

  constructor(
    readonly topic: string,
    private readonly options: ApnsClientOptions,
  ) {
    const sessions = options.sessions ?? 2;
    const maxInFlight = options.maxInFlight ?? 1000;
    if (!topic) throw new Error('apns client: topic is required');
    if (!Number.isInteger(sessions) || sessions < 1) throw new Error(`apns client: sessions must be ≥ 1, got ${sessions}`);
    if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
      throw new Error(`apns client: maxInFlight must be ≥ 1, got ${maxInFlight}`);
    }
    this.pool = new ApnsSessionPool({
      baseUrl: options.baseUrl ?? 'https://api.push.apple.com',
      certificatePem: options.certificatePem,
      privateKeyPem: options.privateKeyPem,
      ca: options.ca,
      size: sessions,
      maxInFlight,
    });
  }

  /** Pushes one device. Every failure (APNs error, GOAWAY, transport) is an outcome, never a throw. */
  async push(push: ApnsPush): Promise<ApnsOutcome> {
    // The token becomes the request path: anything but hex would change what is requested.
    if (!HEX_TOKEN.test(push.token)) return transportOutcome(new Error('apns push: device token is not hex'));
    const headers = apnsRequestHeaders(push, { topic: this.topic, expiration: this.expiration() });
    let session;
    try {
      session = await this.pool.acquire();
    } catch (error) {
      return transportOutcome(error);
    }
    try {
      return await sendOnSession(session, headers, apnsRequestBody(push), this.options.requestTimeoutMs ?? 30_000);
    } finally {
      this.pool.release(session);
    }
  }

  /** Connections currently open. */
  get openSessions(): number {
    return this.pool.openSessions;
  }

  /** Fails pushes still waiting, lets those in flight finish, and closes every connection. */
  close(): Promise<void> {
    return this.pool.close();
  }

  private expiration(): number | undefined {
    const seconds = this.options.expirationSeconds;
    if (seconds === undefined) return undefined;
    return Math.floor((this.options.now ?? Date.now)() / 1000) + seconds;
  }
}
