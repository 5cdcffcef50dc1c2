import { All, Controller, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { sendText } from './api-reply';

/** Without an -api key there are no API routes, as in NanoMDM: Go's 404 for all of /v1/. */
@Controller()
export class ApiDisabledController {
  @All('v1/*rest')
  v1(@Res() res: ServerResponse): void {
    sendText(res, 404, '404 page not found');
  }
}
