/** Standard alphabet, padding required — the shape Go's base64.StdEncoding accepts. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes standard base64 with padding, ignoring CR and LF as Go does; anything else invalid gives
 * undefined. Buffer.from(…, 'base64') alone would silently skip junk and accept URL-safe input.
 */
export function decodeStrictBase64(value: string): Buffer | undefined {
  const compact = value.replace(/[\r\n]/g, '');
  if (compact.length === 0 || !BASE64.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}
