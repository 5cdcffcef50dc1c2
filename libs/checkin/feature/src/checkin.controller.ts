import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CHECKIN_LIMITS, CheckinService } from './checkin.tokens';
import { errorReply, PayloadTooLargeError, readBody, send } from '@espalier/mdm/device-http';

/**
 * The devices' CheckInURL. Thin: read the exact bytes (bounded), hand them to
 * the service, write its reply. Any method, as in NanoMDM (devices use PUT).
 */
@Controller()
export class CheckinController {
  constructor(
    @Inject(CheckinService) private readonly service: CheckinService,
    @Inject(CHECKIN_LIMITS) private readonly limits: { bodyLimit: number },
  ) {}

  @All('mdm')
  mdm(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.handle('/mdm', req, res);
  }

  @All('checkin')
  checkin(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    return this.handle('/checkin', req, res);
  }

  private async handle(path: '/mdm' | '/checkin', req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, this.limits.bodyLimit);
    } catch (error) {
      return send(res, errorReply(error instanceof PayloadTooLargeError ? 413 : 500));
    }
    send(res, await this.service.handle({ path, headers: req.headers, body }));
  }
}
