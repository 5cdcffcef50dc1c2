import { createHmac } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the fake upstream received it: method, path with query, headers, exact body bytes. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface FakeReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string;
  /** Drops the connection without answering (a proxy error on the caller's side). */
  readonly hangUp?: boolean;
}

/** A small HTTP server standing in for a DM server or an auth-proxy upstream. */
export interface FakeUpstream {
  readonly url: string;
  readonly host: string;
  readonly requests: RecordedRequest[];
  /** What the next requests get; replace it per test. */
  reply: (request: RecordedRequest) => FakeReply;
  close(): Promise<void>;
}

export async function startFakeUpstream(): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const fake: Omit<FakeUpstream, 'url' | 'host'> & { url?: string; host?: string } = {
    requests,
    reply: () => ({ status: 200 }),
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(recorded);
      const reply = fake.reply(recorded);
      if (reply.hangUp) return void req.socket.destroy();
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? Buffer.alloc(0));
    });
  });
  server.keepAliveTimeout = 500;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  fake.url = `http://127.0.0.1:${port}`;
  fake.host = `127.0.0.1:${port}`;
  return fake as FakeUpstream;
}

/** base64 HMAC-SHA256, as NanoMDM signs DM bodies in X-Hmac-Signature (§11.1). */
export function hmacBase64(key: string, body: Buffer | string): string {
  return createHmac('sha256', key).update(body).digest('base64');
}

/** A DM server's answer signed with `key`, or with a wrong key / no signature at all. */
export function dmReply(status: number, body: string, key: string | null): FakeReply {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers['x-hmac-signature'] = hmacBase64(key, body);
  return { status, headers, body };
}
