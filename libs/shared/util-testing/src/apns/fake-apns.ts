import { once } from 'node:events';
import http2, { type Http2Session, type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { sendReply, type FakeReply } from './fake-reply';
import { localServerIdentity } from './server-identity';
import { pushCaPem } from './push-certificate';

export interface FakeApnsOptions {
  /** PEM(s) of the CA(s) whose client certificates are accepted; default the process push CA. */
  readonly clientCa?: string | string[];
  /** Advertised in the server's SETTINGS; APNs lowers it after rejections. */
  readonly maxConcurrentStreams?: number;
}

export interface FakeApnsRequest {
  readonly method: string;
  readonly path: string;
  /** Regular headers (HTTP/2 sends them lowercased); pseudo-headers are left out. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The client certificate's subject UID: the topic APNs authorises the push for. */
  readonly topic: string | undefined;
  /** SHA-256 fingerprint of the client certificate (`AB:CD:…`), to tell two certificates of one topic apart. */
  readonly certificateFingerprint: string | undefined;
  /** The hex token from `/3/device/<token>`, if the path has that shape. */
  readonly deviceToken: string | undefined;
}

export type FakeReplier = (req: FakeApnsRequest) => FakeReply | Promise<FakeReply>;

export interface FakeApns {
  /** `https://127.0.0.1:<port>` */
  readonly url: string;
  /** PEM of the CA that signed the server certificate, for the client to trust. */
  readonly ca: string;
  /** Every push received, in arrival order (recorded before the reply is sent). */
  readonly requests: FakeApnsRequest[];
  /** Replaces how pushes are answered; the default is 200 with a fresh apns-id. */
  reply(fn: FakeReplier): void;
  close(): Promise<void>;
}

/** Starts an HTTP/2 + mutual-TLS server that records pushes and answers as scripted. */
export async function startFakeApns(options: FakeApnsOptions = {}): Promise<FakeApns> {
  const { serverCa, identity } = localServerIdentity('Espalier Fake APNs CA');
  const server = http2.createSecureServer({
    key: identity.keyPem,
    cert: identity.certPem,
    ca: options.clientCa ?? pushCaPem(),
    requestCert: true,
    rejectUnauthorized: true,
    settings: options.maxConcurrentStreams === undefined ? {} : { maxConcurrentStreams: options.maxConcurrentStreams },
  });
  const requests: FakeApnsRequest[] = [];
  const sessions = new Set<Http2Session>();
  let replier: FakeReplier = () => ({ status: 200 });

  server.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    // A client that hangs up mid-push is normal in tests; it must not crash the process.
    session.on('error', () => undefined);
  });
  server.on('stream', (stream, headers) => {
    stream.on('error', () => undefined);
    void handle(stream, headers);
  });

  async function handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    const req = toRequest(stream, headers, Buffer.concat(chunks).toString('utf8'));
    requests.push(req);
    const reply = await replier(req);
    if (!stream.destroyed) sendReply(stream, reply);
  }

  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `https://127.0.0.1:${port}`,
    ca: serverCa.rootPem,
    requests,
    reply: (fn) => {
      replier = fn;
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const session of sessions) session.destroy();
      await closed;
    },
  };
}

function toRequest(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, body: string): FakeApnsRequest {
  const path = String(headers[':path'] ?? '');
  const plain: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!name.startsWith(':') && value !== undefined) plain[name.toLowerCase()] = String(value);
  }
  const socket = stream.session?.socket as TLSSocket | undefined;
  const peer = socket?.getPeerCertificate();
  const uid = peer?.subject?.UID as string | string[] | undefined;
  return {
    method: String(headers[':method'] ?? ''),
    path,
    headers: plain,
    body,
    topic: Array.isArray(uid) ? uid[0] : uid,
    certificateFingerprint: peer?.fingerprint256 || undefined,
    deviceToken: /^\/3\/device\/([0-9a-fA-F]+)$/.exec(path)?.[1],
  };
}
