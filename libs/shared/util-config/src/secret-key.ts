const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$|^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Decodes an AES-256 key given as 64 hex digits or as base64 (standard or URL-safe) of 32 bytes.
 * Returns `undefined` for anything else: callers must not guess at a key.
 */
export function decodeSecretKey(text: string): Uint8Array | undefined {
  if (HEX_KEY.test(text)) return new Uint8Array(Buffer.from(text, 'hex'));
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  return bytes.length === KEY_BYTES ? new Uint8Array(bytes) : undefined;
}
