import { createHash } from 'node:crypto';

/** Lowercase hex SHA-256, e.g. the cert-auth hash of a certificate's DER (NanoMDM §8.4). */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
