import { STATUS_CODES, type ServerResponse } from 'node:http';

/** What a device endpoint answers: a status and exact body bytes. */
export interface DeviceReply {
  readonly status: number;
  readonly body: Buffer;
  readonly contentType?: string;
}

/**
 * NanoMDM's error shape (§3.3): the status text and a newline as plain text,
 * nosniff. `extra` carries the Declarative Management server's body, which
 * NanoMDM appends after the status text on a DM failure.
 */
export function errorReply(status: number, extra?: Buffer): DeviceReply {
  const text = Buffer.from(`${STATUS_CODES[status] ?? 'Error'}\n`);
  return { status, body: extra ? Buffer.concat([text, extra]) : text, contentType: 'text/plain; charset=utf-8' };
}

/** An empty 200 has no Content-Type; an XML plist gets Go's sniffed type. */
export function bodyReply(body: Buffer, contentType = 'text/xml; charset=utf-8'): DeviceReply {
  return body.length === 0 ? { status: 200, body } : { status: 200, body, contentType };
}

export function send(res: ServerResponse, reply: DeviceReply): void {
  const headers: Record<string, string | number> = { 'content-length': reply.body.length };
  if (reply.contentType) headers['content-type'] = reply.contentType;
  if (reply.status >= 400) headers['x-content-type-options'] = 'nosniff';
  res.writeHead(reply.status, headers);
  res.end(reply.body);
}
