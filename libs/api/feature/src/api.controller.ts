import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { enrollmentIdsFromPath, matchApiRoute, type ApiOperation } from '@espalier/api/domain';
import { openApiDocument } from '@espalier/contracts/api';
import { PayloadTooLargeError, readBody } from '@espalier/mdm/device-http';
import { basicAuthOk } from '@espalier/shared/util-crypto';
import { sendJson, sendText } from './api-reply';
import type { ApiReply } from './api.deps';
import { API_SETTINGS, type ApiSettings } from './api.tokens';
import { EnqueueService } from './enqueue.service';
import { EscrowService } from './escrow.service';
import { JsonCommandService } from './json-command.service';
import { PushService } from './push.service';
import { PushCertService } from './pushcert.service';
import { HistoryService } from './history.service';
import { ReadService } from './read.service';

const READS_BODY = new Set<ApiOperation>(['pushcert-put', 'enqueue', 'escrowkeyunlock', 'commands']);

interface Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly param: string;
  readonly query: URLSearchParams;
}

/**
 * Every route under `/v1/`, dispatched by `matchApiRoute` rather than by
 * Nest's router because NanoMDM's paths are its own: IDs are the raw path
 * after the prefix (we percent-decode, `%2C` splits too), `/v1/push` without
 * the slash redirects, an unknown path is Go's 404 before authentication.
 * Thin: auth, body, one service call, one reply.
 */
@Controller()
export class ApiController {
  private readonly handlers: Record<ApiOperation, (r: Request) => Promise<void>>;

  constructor(
    @Inject(API_SETTINGS) private readonly settings: ApiSettings,
    @Inject(PushCertService) pushCerts: PushCertService,
    @Inject(PushService) pushes: PushService,
    @Inject(EnqueueService) enqueues: EnqueueService,
    @Inject(EscrowService) private readonly escrow: EscrowService,
    @Inject(ReadService) reads: ReadService,
    @Inject(JsonCommandService) jsonCommands: JsonCommandService,
    @Inject(HistoryService) history: HistoryService,
  ) {
    const json = (r: Request, reply: Promise<ApiReply>) => reply.then(({ status, body }) => sendJson(r.res, status, body));
    const decoded = (r: Request, run: (value: string) => Promise<ApiReply>) => {
      let value: string;
      try {
        value = decodeURIComponent(r.param);
      } catch {
        return json(r, Promise.resolve({ status: 400, body: { error: 'invalid URL escape in path' } }));
      }
      return json(r, run(value));
    };
    this.handlers = {
      'pushcert-get': (r) => json(r, pushCerts.read(r.query.get('topic'))),
      'pushcert-put': async (r) => {
        const body = await this.body(r, 'error');
        if (body) await json(r, pushCerts.upload(body));
      },
      push: (r) => this.withIds(r, 'push_error', (ids) => json(r, pushes.push(ids))),
      enqueue: (r) =>
        this.withIds(r, 'command_error', async (ids) => {
          const body = await this.body(r, 'command_error');
          // NanoMDM: nopush present with any non-empty value (even "0") disables the push.
          if (body) await json(r, enqueues.enqueue(ids, body, (r.query.get('nopush') ?? '') !== ''));
        }),
      escrowkeyunlock: (r) => this.escrowKeyUnlock(r),
      enrollments: (r) => json(r, reads.listEnrollments(r.query)),
      enrollment: (r) => decoded(r, (id) => reads.enrollment(id)),
      queue: (r) => decoded(r, (id) => reads.queue(id)),
      'clear-queue': (r) => decoded(r, (id) => reads.clearQueue(id)),
      history: (r) => decoded(r, (id) => history.history(id, r.query)),
      command: (r) => decoded(r, (uuid) => reads.command(uuid)),
      commands: async (r) => {
        const body = await this.body(r, 'error');
        if (body) await json(r, jsonCommands.submit(body));
      },
      openapi: async (r) => sendJson(r.res, 200, openApiDocument(this.settings.version)),
    };
  }

  @All('v1/*rest')
  async v1(@Req() req: IncomingMessage & { originalUrl?: string }, @Res() res: ServerResponse): Promise<void> {
    const raw = req.originalUrl ?? req.url ?? '/';
    const at = raw.indexOf('?');
    const [path, query] = at < 0 ? [raw, ''] : [raw.slice(0, at), raw.slice(at + 1)];
    const route = matchApiRoute(req.method ?? 'GET', path.slice('/v1/'.length));
    if (route.kind === 'redirect') {
      req.resume();
      return sendText(res, 301, `<a href="${route.location}">Moved Permanently</a>.\n`, { Location: route.location, 'Content-Type': 'text/html; charset=utf-8' });
    }
    if (route.kind === 'not-found') {
      req.resume();
      return sendText(res, 404, '404 page not found');
    }
    // The document describes the API; it is no secret.
    if (route.kind !== 'openapi' && !basicAuthOk(req.headers.authorization, this.settings.key)) {
      req.resume();
      return sendText(res, 401, 'Unauthorized', { 'Www-Authenticate': 'Basic realm="nanomdm"' });
    }
    if (route.kind === 'method-not-allowed') {
      req.resume();
      return sendText(res, 405, 'Method Not Allowed');
    }
    if (!READS_BODY.has(route.kind)) req.resume();
    await this.handlers[route.kind]({ req, res, param: route.param, query: new URLSearchParams(query) });
  }

  private withIds(r: Request, errorKey: string, run: (ids: string[]) => Promise<void>): Promise<void> {
    const ids = enrollmentIdsFromPath(r.param);
    if (!Array.isArray(ids)) {
      r.req.resume();
      sendJson(r.res, 500, { [errorKey]: ids.error });
      return Promise.resolve();
    }
    return run(ids);
  }

  /** Only an urlencoded POST body is read, as Go's ParseForm does; query parameters do not count (§3.9). */
  private async escrowKeyUnlock(r: Request): Promise<void> {
    const urlencoded = r.req.method === 'POST' && (r.req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    let form = new URLSearchParams();
    if (urlencoded) {
      const body = await this.body(r, 'error');
      if (!body) return;
      form = new URLSearchParams(body.toString('utf8'));
    } else r.req.resume();
    const reply = await this.escrow.unlock(form);
    if (!('raw' in reply)) return sendJson(r.res, reply.status, reply.body);
    // Apple's status and body; like NanoMDM, not its headers (Go sniffs a Content-Type for the body).
    r.res.writeHead(reply.raw.status, reply.raw.body.length > 0 ? { 'Content-Type': 'text/plain; charset=utf-8' } : {});
    r.res.end(reply.raw.body);
  }

  /** The exact body, bounded by -body-limit (413, nothing appended), or null once an error was answered. */
  private async body(r: Request, errorKey: string): Promise<Buffer | null> {
    try {
      return await readBody(r.req, this.settings.bodyLimit);
    } catch (error) {
      sendJson(r.res, error instanceof PayloadTooLargeError ? 413 : 500, { [errorKey]: (error as Error).message });
      return null;
    }
  }
}
