import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { enrollmentIdsFromPath } from '@espalier/api/domain';
import { PayloadTooLargeError, readBody } from '@espalier/mdm/device-http';
import { sendJson, sendText } from './api-reply';
import { basicAuthOk } from '@espalier/shared/util-crypto';
import { API_SETTINGS, type ApiSettings } from './api.tokens';
import { EnqueueService } from './enqueue.service';
import { EscrowService } from './escrow.service';
import { ReadService } from './read.service';
import type { ApiReply } from './api.deps';
import { PushService } from './push.service';
import { PushCertService } from './pushcert.service';

/**
 * NanoMDM's `/v1/` routes (§3.1), dispatched here rather than by Nest's
 * router because their paths are NanoMDM's: the IDs are the raw path after
 * the prefix (percent-decoded by us, `%2C` splitting too), `/v1/push` without
 * the slash redirects as Go's ServeMux does, and an unknown path is Go's 404
 * before any authentication. Thin: auth, body, one service call, one reply.
 */
@Controller()
export class ApiController {
  constructor(
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
    @Inject(PushCertService) private readonly pushCerts: PushCertService,
    @Inject(PushService) private readonly pushes: PushService,
    @Inject(EnqueueService) private readonly enqueues: EnqueueService,
    @Inject(EscrowService) private readonly escrow: EscrowService,
    @Inject(ReadService) private readonly reads: ReadService,
  ) {}

  @All('v1/*rest')
  async v1(@Req() req: IncomingMessage & { originalUrl?: string }, @Res() res: ServerResponse): Promise<void> {
    const raw = req.originalUrl ?? req.url ?? '/';
    const [path, query = ''] = splitOnce(raw, '?');
    const rest = path.slice('/v1/'.length);
    if (rest === 'push' || rest === 'enqueue') return sendText(res, 301, `<a href="/v1/${rest}/">Moved Permanently</a>.\n`, { Location: `/v1/${rest}/`, 'Content-Type': 'text/html; charset=utf-8' });
    const route = EXACT.has(rest) ? rest : rest.startsWith('push/') ? 'push' : rest.startsWith('enqueue/') ? 'enqueue' : isRead(rest) ? 'read' : null;
    if (!route) return sendText(res, 404, '404 page not found');
    if (!basicAuthOk(req.headers.authorization, this.settings.key)) {
      req.resume();
      return sendText(res, 401, 'Unauthorized', { 'Www-Authenticate': 'Basic realm="nanomdm"' });
    }
    if (route === 'pushcert') return this.pushcert(req, res, new URLSearchParams(query));
    if (route === 'escrowkeyunlock') return this.escrowKeyUnlock(req, res);
    if (route === 'read') {
      req.resume();
      return this.read(req.method ?? 'GET', rest, new URLSearchParams(query), res);
    }
    const ids = enrollmentIdsFromPath(rest.slice(route.length + 1));
    const errorKey = route === 'push' ? 'push_error' : 'command_error';
    if (!Array.isArray(ids)) return sendJson(res, 500, { [errorKey]: ids.error });
    if (route === 'push') {
      req.resume();
      const reply = await this.pushes.push(ids);
      return sendJson(res, reply.status, reply.body);
    }
    const body = await this.body(req, res, errorKey);
    if (!body) return;
    // NanoMDM: nopush present with any non-empty value (even "0") disables the push.
    const reply = await this.enqueues.enqueue(ids, body, (new URLSearchParams(query).get('nopush') ?? '') !== '');
    sendJson(res, reply.status, reply.body);
  }

  private async pushcert(req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    if (req.method === 'GET') {
      req.resume();
      const reply = await this.pushCerts.read(query.get('topic'));
      return sendJson(res, reply.status, reply.body);
    }
    if (req.method !== 'PUT') {
      req.resume();
      return sendText(res, 405, 'Method Not Allowed');
    }
    const body = await this.body(req, res, 'error');
    if (!body) return;
    const reply = await this.pushCerts.upload(body);
    sendJson(res, reply.status, reply.body);
  }

  /** The read APIs (not NanoMDM's): /v1/enrollments[/<id>[/queue]], /v1/commands/<uuid>. */
  private async read(method: string, rest: string, query: URLSearchParams, res: ServerResponse): Promise<void> {
    let segments: string[];
    try {
      segments = rest.split('/').map((s) => decodeURIComponent(s));
    } catch {
      return sendJson(res, 400, { error: 'invalid URL escape in path' });
    }
    const allowed = (methods: string[], run: () => Promise<ApiReply>) =>
      methods.includes(method) ? run().then((reply) => sendJson(res, reply.status, reply.body)) : sendText(res, 405, 'Method Not Allowed');
    const [head, id, tail, ...more] = segments;
    if (more.length > 0 || id === '') return sendText(res, 404, '404 page not found');
    if (head === 'commands' && id !== undefined && tail === undefined) return allowed(['GET'], () => this.reads.command(id));
    if (head !== 'enrollments') return sendText(res, 404, '404 page not found');
    if (id === undefined) return allowed(['GET'], () => this.reads.listEnrollments(query));
    if (tail === undefined) return allowed(['GET'], () => this.reads.enrollment(id));
    if (tail !== 'queue') return sendText(res, 404, '404 page not found');
    return allowed(['GET', 'DELETE'], () => (method === 'DELETE' ? this.reads.clearQueue(id) : this.reads.queue(id)));
  }

  /** Only an urlencoded POST body is read, as Go's ParseForm does; query parameters do not count (§3.9). */
  private async escrowKeyUnlock(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const urlencoded = req.method === 'POST' && (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    let form = new URLSearchParams();
    if (urlencoded) {
      const body = await this.body(req, res, 'error');
      if (!body) return;
      form = new URLSearchParams(body.toString('utf8'));
    } else req.resume();
    const reply = await this.escrow.unlock(form);
    if (!('raw' in reply)) return sendJson(res, reply.status, reply.body);
    // Apple's status and body; like NanoMDM, not its headers (Go sniffs a Content-Type for the body).
    res.writeHead(reply.raw.status, reply.raw.body.length > 0 ? { 'Content-Type': 'text/plain; charset=utf-8' } : {});
    res.end(reply.raw.body);
  }

  /** The exact body, bounded by -body-limit (413, nothing appended), or null once an error was answered. */
  private async body(req: IncomingMessage, res: ServerResponse, errorKey: string): Promise<Buffer | null> {
    try {
      return await readBody(req, this.settings.bodyLimit);
    } catch (error) {
      const tooLarge = error instanceof PayloadTooLargeError;
      sendJson(res, tooLarge ? 413 : 500, { [errorKey]: (error as Error).message });
      return null;
    }
  }
}

const EXACT = new Set(['pushcert', 'escrowkeyunlock']);
const isRead = (rest: string) => rest === 'enrollments' || rest.startsWith('enrollments/') || rest.startsWith('commands/');

function splitOnce(s: string, separator: string): [string, string?] {
  const at = s.indexOf(separator);
  return at < 0 ? [s] : [s.slice(0, at), s.slice(at + 1)];
}
