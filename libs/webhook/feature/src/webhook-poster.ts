import { HMAC_HEADER, isDelivered, webhookSignature } from '@espalier/webhook/domain';

export interface WebhookPosterOptions {
  readonly url: string;
  /** -webhook-hmac-key: sign every body with X-Hmac-Signature. */
  readonly hmacKey?: string;
  readonly timeoutMs: number;
}

/** Why a POST did not deliver: an HTTP status other than 200, or no answer (refused, reset, timed out). */
export type PostOutcome = { readonly delivered: true } | { readonly delivered: false; readonly status: number | null; readonly reason: string };

/** The one capability delivery needs: post one body, say whether it was delivered. */
export interface WebhookPost {
  /** `stop` cuts the POST short (shutdown): it then counts as not delivered. */
  post(body: Buffer, stop?: AbortSignal): Promise<PostOutcome>;
}

/**
 * POSTs webhook bodies as NanoMDM does: `application/json; charset=utf-8`,
 * the exact bytes, optional X-Hmac-Signature, and only 200 counts. Never
 * throws: every failure is an outcome the retry policy decides about.
 */
export class WebhookPoster implements WebhookPost {
  constructor(private readonly options: WebhookPosterOptions) {}

  async post(body: Buffer, stop?: AbortSignal): Promise<PostOutcome> {
    const headers: Record<string, string> = { 'Content-Type': 'application/json; charset=utf-8' };
    if (this.options.hmacKey) headers[HMAC_HEADER] = webhookSignature(this.options.hmacKey, body);
    try {
      const res = await fetch(this.options.url, { method: 'POST', headers, body, signal: this.signal(stop) });
      // The answer's body is not used; reading it frees the connection for the next POST.
      await res.arrayBuffer().catch(() => undefined);
      return isDelivered(res.status) ? { delivered: true } : { delivered: false, status: res.status, reason: `answered HTTP ${res.status}` };
    } catch (error) {
      return { delivered: false, status: null, reason: describe(error) };
    }
  }

  private signal(stop: AbortSignal | undefined): AbortSignal {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    return stop ? AbortSignal.any([timeout, stop]) : timeout;
  }
}

/** fetch hides the network cause (ECONNREFUSED…) one level down. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return 'no answer within -webhook-timeout';
  const cause = (error as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? error.message;
}
