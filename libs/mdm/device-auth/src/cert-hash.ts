import { createHash } from 'node:crypto';

/**
 * The certificate's identity for cert-auth and caches: lowercase hex SHA-256 of the DER, the same
 * value NanoMDM stores in `cert_auth_associations.sha256` (§8.4).
 */
export function certHash(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('hex');
}
