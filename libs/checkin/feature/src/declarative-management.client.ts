import { createHmac, timingSafeEqual } from 'node:crypto';
import type { ResolvedEnrollment } from '@espalier/mdm/protocol';

export interface DeclarativeManagementOptions {
  readonly baseUrl: string;
  readonly sendHmacKey?: string;
  readonly recvHmacKey?: string;
  /** NanoMDM waits forever; a stuck DM server must not pin device requests, so bound it. */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

export type DeclarativeManagementResult = { readonly ok: true; readonly body: Buffer } | { readonly ok: false; readonly reason: string; readonly body?: Buffer };

/**
 * Declarative Management passthrough (§11.1): the check-in's Endpoint is
 * resolved against -dm (RFC 3986, so a base without a trailing slash loses
 * its last segment, as in NanoMDM), GET without Data, PUT with it, the
 * enrollment in X-Enrollment-* headers, optional HMAC both ways.
 */
export class DeclarativeManagementClient {
  constructor(private readonly options: DeclarativeManagementOptions) {}

  async forward(enrollment: ResolvedEnrollment, endpoint: string, data: Buffer | undefined): Promise<DeclarativeManagementResult> {
    const target = resolveEndpoint(this.options.baseUrl, endpoint);
    if (!target) return { ok: false, reason: `declarative management: cannot resolve endpoint "${endpoint}"` };
    const body = data && data.length > 0 ? data : undefined;
    const headers: Record<string, string> = { 'X-Enrollment-ID': enrollment.id, 'X-Enrollment-Type': enrollment.type };
    if (enrollment.parentId) headers['X-Enrollment-ParentID'] = enrollment.parentId;
    if (body) headers['Content-Type'] = 'application/json';
    if (this.options.sendHmacKey) headers['X-Hmac-Signature'] = hmac(this.options.sendHmacKey, body ?? Buffer.alloc(0));
    let response: Response;
    try {
      response = await (this.options.fetch ?? fetch)(target, {
        method: body ? 'PUT' : 'GET',
        headers,
        body,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (error) {
      return { ok: false, reason: `declarative management: ${target.origin} unreachable: ${(error as Error).message}` };
    }
    const answer = Buffer.from(await response.arrayBuffer());
    if (this.options.recvHmacKey && !validHmac(this.options.recvHmacKey, answer, response.headers.get('x-hmac-signature'))) {
      return { ok: false, reason: 'declarative management: response HMAC missing or invalid' };
    }
    if (response.status !== 200) return { ok: false, reason: `declarative management: server answered ${response.status}`, body: answer };
    return { ok: true, body: answer };
  }
}

/**
 * RFC 3986 reference resolution as Go's url.Parse + ResolveReference do it:
 * WHATWG URL parsing is laxer (it accepts "%zz" and turns "\\" into a path
 * separator), so refuse invalid escapes and keep backslashes escaped.
 */
export function resolveEndpoint(base: string, endpoint: string): URL | null {
  if (/%(?![0-9A-Fa-f]{2})/.test(endpoint)) return null;
  try {
    return new URL(endpoint.replaceAll('\\', '%5C'), base);
  } catch {
    return null;
  }
}

function hmac(key: string, body: Buffer): string {
  return createHmac('sha256', key).update(body).digest('base64');
}

function validHmac(key: string, body: Buffer, header: string | null): boolean {
  if (!header) return false;
  const expected = Buffer.from(hmac(key, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
