import { BoundedCache } from './bounded-cache';
import { certHash } from './cert-hash';
import { cachedCertificateFacts, certificatesFromPem, type CertificateFacts } from './certificate-facts';
import { validateChain, type TrustPool } from './chain-validation';
import { DeviceCertError } from './device-cert.error';

/** A device certificate that chains to a configured root at the clock's time. */
export interface VerifiedCert {
  readonly der: Buffer;
  /** Lowercase hex SHA-256 of the DER: the cert-auth association key (§8.4). */
  readonly hash: string;
  /** OpenSSL's one-line form, e.g. `CN=device, O=Example`. */
  readonly subject: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

export interface DeviceCertVerifierOptions {
  /** PEM bundle of trusted roots (NanoMDM `-ca`). */
  readonly roots: string;
  /** PEM bundle of intermediates (NanoMDM `-intermediate`): the only source of intermediates. */
  readonly intermediates?: string;
  readonly clock?: () => Date;
  /** Upper bound on how long a success is reused; default 5 minutes. */
  readonly cacheTtlMs?: number;
  readonly cacheEntries?: number;
}

const DEFAULT_TTL_MS = 5 * 60_000;

/**
 * Validates device identity certificates against the configured CAs (NanoMDM §8.3).
 * A hand-written walk over node:crypto's X509Certificate (OpenSSL does names, key identifiers and
 * signatures natively, ~0.1 ms) rather than pkijs' CertificateChainValidationEngine, which
 * verifies through async WebCrypto and re-parses; extensions are read by der-reader, and both
 * are done once per distinct certificate (shared with the Mdm-Signature check).
 */
export class DeviceCertVerifier {
  private readonly verified: BoundedCache<{ cert: VerifiedCert; validFromMs: number }>;

  private constructor(
    private readonly pool: TrustPool,
    private readonly clock: () => Date,
    private readonly ttlMs: number,
    cacheEntries: number,
  ) {
    this.verified = new BoundedCache(cacheEntries);
  }

  /** Fails at start-up, not per request, when the configuration cannot verify anything. */
  static fromPem(options: DeviceCertVerifierOptions): DeviceCertVerifier {
    const roots = certificatesFromPem(options.roots);
    if (roots.length === 0) throw new Error('configuring device certificate verification: no root certificate parses');
    const intermediates = options.intermediates ? certificatesFromPem(options.intermediates) : [];
    if (options.intermediates && intermediates.length === 0) {
      throw new Error('configuring device certificate verification: intermediates given but none parses');
    }
    const clock = options.clock ?? (() => new Date());
    return new DeviceCertVerifier({ roots, intermediates }, clock, options.cacheTtlMs ?? DEFAULT_TTL_MS, options.cacheEntries ?? 10_000);
  }

  async verify(der: Buffer): Promise<VerifiedCert> {
    const now = this.clock();
    const hash = certHash(der);
    const cached = this.verified.get(hash, now.getTime());
    // A clock set back before the chain's validity must not be answered from the cache either.
    if (cached && cached.validFromMs <= now.getTime()) return cached.cert;
    const result = validateChain(parse(der, hash), this.pool, now);
    if ('failure' in result) throw new DeviceCertError(`verifying device certificate: ${result.failure}`);
    const verified = toVerified(result.chain[0], hash);
    // Reused until the first certificate of the chain expires, and never past the TTL, so a
    // changed clock or a CA removed at the next restart/reload takes effect within minutes.
    const earliestExpiry = Math.min(...result.chain.map((c) => c.notAfter.getTime()));
    const validFromMs = Math.max(...result.chain.map((c) => c.notBefore.getTime()));
    this.verified.set(hash, { cert: verified, validFromMs }, Math.min(earliestExpiry, now.getTime() + this.ttlMs));
    return verified;
  }
}

function parse(der: Buffer, hash: string): CertificateFacts {
  try {
    return cachedCertificateFacts(der, hash);
  } catch {
    throw new DeviceCertError('verifying device certificate: unparsable certificate');
  }
}

function toVerified(leaf: CertificateFacts, hash: string): VerifiedCert {
  return {
    der: leaf.der,
    hash,
    subject: leaf.x509.subject.replace(/\n/g, ', '),
    notBefore: leaf.notBefore,
    notAfter: leaf.notAfter,
  };
}
