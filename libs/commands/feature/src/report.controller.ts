import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorReply, PayloadTooLargeError, readBody, send } from '@espalier/mdm/device-http';
import { COMMANDS_LIMITS } from './commands.tokens';
import { ReportService } from './report.service';

/**
 * The devices' ServerURL for command reports (§3.4): routed here when the
 * Content-Type is not a check-in's. Thin: read the exact bytes (bounded),
 * hand them to the service, write its reply. Any method (devices use PUT).
 */
@Controller()
export class ReportController {
  constructor(
    @Inject(ReportService) private readonly service: ReportService,
    @Inject(COMMANDS_LIMITS) private readonly limits: { bodyLimit: number },
  ) {}

  @All('mdm')
  async mdm(@Req() req: IncomingMessage, @Res() res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readBody(req, this.limits.bodyLimit);
    } catch (error) {
      return send(res, errorReply(error instanceof PayloadTooLargeError ? 413 : 500));
    }
    send(res, await this.service.handle({ headers: req.headers, body }));
  }
}
