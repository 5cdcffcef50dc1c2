import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AuthProxy } from './auth-proxy';
import { CHECKIN_LIMITS } from './checkin.tokens';
import { errorReply, PayloadTooLargeError, readBody, send } from '@espalier/mdm/device-http';

/** /authproxy/… — registered only with -auth-proxy-url, as in NanoMDM. */
@Controller()
export class AuthProxyController {
  constructor(
    @Inject(AuthProxy) private readonly proxy: AuthProxy,
    @Inject(CHECKIN_LIMITS) private readonly limits: { bodyLimit: number },
  ) {}

  @All('authproxy/*path')
  async handle(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, this.limits.bodyLimit);
    } catch (error) {
      return send(res, errorReply(error instanceof PayloadTooLargeError ? 413 : 500));
    }
    await this.proxy.handle(req.method ?? 'GET', req.url ?? '/', req.headers, body, req.socket.remoteAddress, res);
  }
}
