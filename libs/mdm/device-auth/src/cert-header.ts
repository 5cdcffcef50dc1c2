import { decodeStrictBase64 } from './strict-base64';

export type CertificateFromHeader = { der: Buffer } | { error: string } | null;

/**
 * Reads the client certificate a TLS-terminating proxy forwards (NanoMDM `-cert-header`, §8.2):
 * RFC 9440 `:base64-DER:` or a URL-query-escaped PEM (nginx `$ssl_client_escaped_cert`).
 * Absent or empty → null. Only the encoding is checked here; DeviceCertVerifier parses and
 * validates the certificate itself. Trusting this header is only safe when the proxy strips it
 * from client requests — that is deployment's promise, which is why it is opt-in.
 */
export function certificateFromHeader(value: string | undefined): CertificateFromHeader {
  if (!value) return null;
  return value.startsWith(':') ? fromRfc9440(value) : fromEscapedPem(value);
}

function fromRfc9440(value: string): CertificateFromHeader {
  if (value.length < 3 || !value.endsWith(':')) return { error: 'RFC 9440 value must be enclosed in colons' };
  const der = decodeStrictBase64(value.slice(1, -1));
  return der ? { der } : { error: 'RFC 9440 value is not valid base64' };
}

/** The first PEM block, as Go's pem.Decode finds it (text before it is skipped). */
const PEM_BLOCK = /-----BEGIN ([^\r\n-]+)-----\r?\n([\s\S]*?)-----END \1-----/;

function fromEscapedPem(value: string): CertificateFromHeader {
  const pem = queryUnescape(value);
  if (pem === undefined) return { error: 'invalid URL escaping' };
  const block = PEM_BLOCK.exec(pem);
  if (!block) return { error: 'no PEM block' };
  if (block[1] !== 'CERTIFICATE') return { error: `first PEM block is ${block[1]}, not CERTIFICATE` };
  const der = decodeStrictBase64(block[2].replace(/[ \t]/g, ''));
  return der ? { der } : { error: 'PEM body is not valid base64' };
}

/** Go's url.QueryUnescape: `+` is a space, `%XX` a byte; a malformed escape is an error. */
function queryUnescape(value: string): string | undefined {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}
