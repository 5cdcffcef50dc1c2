import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorReply, PayloadTooLargeError, readBody, send } from '@espalier/mdm/device-http';
import { basicAuthOk } from '@espalier/shared/util-crypto';
import { CHECKIN_LIMITS, CheckinService, MIGRATION_KEY } from './checkin.tokens';

const text = (res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(`${body}\n`);
};

/**
 * `/migration` (§3.10), served with -api and -migration: check-ins from
 * another server's storage (nano2nano, micro2nano), behind the API's Basic
 * auth instead of a device certificate. Without both settings the path is
 * Go's 404, as in NanoMDM.
 */
@Controller()
export class MigrationController {
  constructor(
    @Inject(CheckinService) private readonly service: CheckinService,
    @Inject(CHECKIN_LIMITS) private readonly limits: { bodyLimit: number },
    @Inject(MIGRATION_KEY) private readonly key: string | null,
  ) {}

  @All('migration')
  async migration(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    if (this.key === null) {
      req.resume();
      return text(res, 404, '404 page not found');
    }
    if (!basicAuthOk(req.headers.authorization, this.key)) {
      req.resume();
      return text(res, 401, 'Unauthorized', { 'Www-Authenticate': 'Basic realm="nanomdm"' });
    }
    let body: Buffer;
    try {
      body = await readBody(req, this.limits.bodyLimit);
    } catch (error) {
      return send(res, errorReply(error instanceof PayloadTooLargeError ? 413 : 500));
    }
    send(res, await this.service.handleMigration(body));
  }
}
