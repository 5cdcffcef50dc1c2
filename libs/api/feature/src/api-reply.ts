import type { ServerResponse } from 'node:http';
import { goJson } from '@espalier/api/domain';

/** NanoMDM's JSON answers: tab-indented, trailing newline, `application/json` (§3.5–3.8). */
export function sendJson(res: ServerResponse, status: number, body: object): void {
  const bytes = Buffer.from(goJson(body));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': bytes.length });
  res.end(bytes);
}

/** Go's http.Error: the text, a newline, `text/plain; charset=utf-8`. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(`${text}\n`);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', 'Content-Length': bytes.length, ...headers });
  res.end(bytes);
}

export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
