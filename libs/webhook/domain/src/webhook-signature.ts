import { createHmac } from 'node:crypto';

/** NanoMDM's header name for the body signature (also used by its DM client). */
export const HMAC_HEADER = 'X-Hmac-Signature';

/** base64(HMAC-SHA256(key, exact body bytes)), as NanoMDM signs webhook POSTs. */
export function webhookSignature(key: string, body: Buffer): string {
  return createHmac('sha256', key).update(body).digest('base64');
}
