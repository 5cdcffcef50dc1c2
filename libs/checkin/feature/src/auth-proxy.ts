import http, { type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { CheckinStateReader } from '@espalier/checkin/data-access-enrollments';
import { DeviceCertError, type DeviceAuthenticator } from '@espalier/mdm/device-auth';
import type { Logger } from '@espalier/shared/util-logging';
import { errorReply, send } from '@espalier/mdm/device-http';

export const AUTH_PROXY_PREFIX = '/authproxy/';

/** Hop-by-hop headers (RFC 9110 §7.6.1) never cross a proxy; Mdm-Signature is consumed here. */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'host', 'mdm-signature']);

export interface AuthProxyDeps {
  readonly target: URL;
  readonly authenticator: DeviceAuthenticator;
  readonly reader: CheckinStateReader;
  readonly logger: Logger;
  readonly newId: () => string;
}

/**
 * NanoMDM's /authproxy/ (§11.4): a device proves itself with its identity
 * certificate, the certificate's association names the enrollment, and the
 * request goes on to -auth-proxy-url with X-Enrollment-ID, so a web service
 * behind it trusts the device without its own auth. No certificate → 400;
 * a valid certificate without association → 400 "Unauthorized" (never 401,
 * which could make devices unenroll); proxy failure → 502 with no body.
 */
export class AuthProxy {
  constructor(private readonly deps: AuthProxyDeps) {}

  async handle(method: string, url: string, headers: IncomingHttpHeaders, body: Buffer, remoteAddress: string | undefined, res: ServerResponse): Promise<void> {
    const traceId = this.deps.newId();
    let enrollmentId: string | null;
    try {
      const cert = await this.deps.authenticator.authenticate(headers, body);
      enrollmentId = await this.deps.reader.enrollmentForCertificate(cert.hash);
    } catch (error) {
      if (error instanceof DeviceCertError) return send(res, errorReply(400));
      this.deps.logger.error({ err: error, traceId }, 'auth proxy: looking up the certificate failed');
      return send(res, errorReply(500));
    }
    if (enrollmentId === null) return send(res, { ...errorReply(400), body: Buffer.from('Unauthorized\n') });
    this.forward(method, url, headers, body, { enrollmentId, traceId, remoteAddress }, res);
  }

  private forward(
    method: string,
    url: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
    ctx: { enrollmentId: string; traceId: string; remoteAddress?: string },
    res: ServerResponse,
  ): void {
    const target = targetUrl(this.deps.target, url);
    const out = withoutHopByHop(headers);
    out['host'] = target.host;
    out['x-forwarded-for'] = [headers['x-forwarded-for'], ctx.remoteAddress].filter(Boolean).join(', ');
    out['x-enrollment-id'] = ctx.enrollmentId;
    out['x-trace-id'] = ctx.traceId;
    out['content-length'] = String(body.length);
    const request = (target.protocol === 'https:' ? https : http).request(target, { method, headers: out }, (upstream) => {
      res.writeHead(upstream.statusCode ?? 502, withoutHopByHop(upstream.headers));
      upstream.pipe(res);
    });
    request.on('error', (error) => {
      this.deps.logger.warn({ err: error, traceId: ctx.traceId, target: target.origin }, 'auth proxy: upstream failed');
      if (!res.headersSent) res.writeHead(502, { 'content-length': 0 }).end();
      else res.destroy();
    });
    request.end(body);
  }
}

/** Drops hop-by-hop headers: the fixed ones and any the message names in its Connection header. */
function withoutHopByHop(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const connection = [headers.connection ?? ''].flat().join(',');
  const named = new Set(connection.split(',').map((t) => t.trim().toLowerCase()).filter(Boolean));
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !DROPPED.has(name) && !named.has(name)) out[name] = value;
  return out;
}

/** Path joined with a single slash, queries merged (target's first), as Go's httputil.NewSingleHostReverseProxy. */
export function targetUrl(base: URL, requestUrl: string): URL {
  const incoming = new URL(requestUrl, 'http://device.invalid');
  const rest = incoming.pathname.startsWith(AUTH_PROXY_PREFIX) ? incoming.pathname.slice(AUTH_PROXY_PREFIX.length - 1) : incoming.pathname;
  const target = new URL(base.href);
  target.pathname = base.pathname.replace(/\/$/, '') + (rest.startsWith('/') ? rest : `/${rest}`);
  const query = [base.search.replace(/^\?/, ''), incoming.search.replace(/^\?/, '')].filter(Boolean).join('&');
  target.search = query ? `?${query}` : '';
  return target;
}
