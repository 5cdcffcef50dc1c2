import { All, Controller, Inject, Res } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { API_SETTINGS, type ApiSettings } from './api.tokens';

/** `/version` (§3.11): any method, no auth, exactly `{"version":"…"}` with no newline. */
@Controller()
export class VersionController {
  constructor(@Inject(API_SETTINGS) private readonly settings: Pick<ApiSettings, 'version'>) {}

  @All('version')
  version(@Res() res: ServerResponse): void {
    const body = Buffer.from(JSON.stringify({ version: this.settings.version }));
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  }
}
