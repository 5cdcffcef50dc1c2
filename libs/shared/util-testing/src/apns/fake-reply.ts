import { randomUUID } from 'node:crypto';
import type { ServerHttp2Stream } from 'node:http2';

/** What the fake APNs server answers to one push. */
export type FakeReply =
  | { readonly status: 200; readonly apnsId?: string }
  | {
      readonly status: 400 | 403 | 410 | 413 | 429 | 500 | 503;
      readonly reason: string;
      /** Milliseconds since the epoch; a 410 carries one (now, unless given). */
      readonly timestamp?: number;
    }
  | { readonly goaway: true; readonly code?: number; readonly reason?: string };

/**
 * Writes the reply the way APNs does (see infra-notes "APNs"): errors as a JSON `reason`,
 * connection-level errors as GOAWAY with the JSON in its debug data.
 */
export function sendReply(stream: ServerHttp2Stream, reply: FakeReply): void {
  if ('goaway' in reply) return sendGoaway(stream, reply);
  if (reply.status === 200) {
    stream.respond({ ':status': 200, 'apns-id': reply.apnsId ?? randomUUID().toUpperCase() });
    stream.end();
    return;
  }
  const timestamp = reply.timestamp ?? (reply.status === 410 ? Date.now() : undefined);
  const body = JSON.stringify(timestamp === undefined ? { reason: reply.reason } : { reason: reply.reason, timestamp });
  stream.respond({ ':status': reply.status, 'content-type': 'application/json', 'apns-id': randomUUID().toUpperCase() });
  stream.end(body);
}

function sendGoaway(stream: ServerHttp2Stream, reply: { code?: number; reason?: string }): void {
  const session = stream.session;
  if (!session) return;
  const debug = Buffer.from(JSON.stringify({ reason: reply.reason ?? 'Shutdown' }));
  // lastStreamId below this stream: the client learns this push was not processed, as with a
  // real connection error, and the stream is refused rather than answered.
  session.goaway(reply.code ?? 0, Math.max(0, (stream.id ?? 0) - 2), debug);
  stream.close(0x7 /* REFUSED_STREAM */);
  session.close();
}
