import type { CertificateFacts } from './certificate-facts';

export interface TrustPool {
  readonly roots: readonly CertificateFacts[];
  /** Only the configured pool: certificates a device embeds in its CMS are never used (§8.3). */
  readonly intermediates: readonly CertificateFacts[];
}

export type ChainResult = { chain: readonly CertificateFacts[] } | { failure: string };

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';
const ANY_EKU = '2.5.29.37.0';
/** Go refuses certificates signed with these since 1.18; so must a NanoMDM-compatible server. */
const INSECURE_SIGNATURES = new Set([
  '1.2.840.113549.1.1.2', '1.2.840.113549.1.1.4', '1.2.840.113549.1.1.5', // md2/md5/sha1 with RSA
  '1.2.840.10045.4.1', '1.2.840.10040.4.3', // ecdsa-with-SHA1, dsa-with-SHA1
]);
const MAX_DEPTH = 8;

/**
 * X.509 path validation as Go's x509.Verify does it for NanoMDM (§8.3): validity at `now` for
 * every certificate, issuer by name, key identifier and signature (OpenSSL's checkIssued +
 * verify), CA flag and path length on intermediates, and an EKU that allows client auth on every
 * certificate in the chain (absent EKU and anyExtendedKeyUsage allow it). No revocation, no names.
 * Tries every candidate issuer, so renewed or cross-signed intermediates with one subject work.
 */
export function validateChain(leaf: CertificateFacts, pool: TrustPool, now: Date): ChainResult {
  const own = ownProblem(leaf, now);
  if (own) return { failure: own };
  if (pool.roots.some((root) => root.der.equals(leaf.der))) return { chain: [leaf] };
  let failure = 'certificate signed by unknown authority';
  const extend = (chain: CertificateFacts[]): CertificateFacts[] | undefined => {
    const child = chain[chain.length - 1];
    for (const [candidate, isRoot] of candidates(child, pool)) {
      if (chain.includes(candidate)) continue;
      const problem = issuerProblem(child, candidate, chain.length - 1, isRoot, now);
      if (problem) {
        failure = problem;
        continue;
      }
      if (isRoot) return [...chain, candidate];
      if (chain.length < MAX_DEPTH) {
        const found = extend([...chain, candidate]);
        if (found) return found;
      }
    }
    return undefined;
  };
  const chain = extend([leaf]);
  return chain ? { chain } : { failure };
}

function* candidates(child: CertificateFacts, pool: TrustPool): Generator<[CertificateFacts, boolean]> {
  // checkIssued compares names and key identifiers only; signatures are checked afterwards.
  for (const root of pool.roots) if (child.x509.checkIssued(root.x509)) yield [root, true];
  for (const inter of pool.intermediates) if (child.x509.checkIssued(inter.x509)) yield [inter, false];
}

function ownProblem(cert: CertificateFacts, now: Date): string | undefined {
  if (now < cert.notBefore || now > cert.notAfter) {
    return `certificate "${cert.x509.subject.replace(/\n/g, ', ')}" has expired or is not yet valid`;
  }
  const ekus = cert.extKeyUsages;
  if (ekus && !ekus.includes(CLIENT_AUTH) && !ekus.includes(ANY_EKU)) return 'extended key usage does not permit client authentication';
  if (cert.unhandledCritical.length > 0) return `unhandled critical extension ${cert.unhandledCritical[0]}`;
  return undefined;
}

function issuerProblem(
  child: CertificateFacts,
  issuer: CertificateFacts,
  intermediatesBelow: number,
  isRoot: boolean,
  now: Date,
): string | undefined {
  if (INSECURE_SIGNATURES.has(child.signatureAlgorithm)) return `insecure signature algorithm ${child.signatureAlgorithm}`;
  if (!child.x509.verify(issuer.publicKey)) return 'certificate signature does not verify with its issuer';
  // Roots are trusted as configured (Go does not demand the CA flag of them); intermediates must be CAs.
  if (!isRoot && !issuer.isCa) return 'issuer is not a CA';
  if (issuer.pathLen !== undefined && intermediatesBelow > issuer.pathLen) return 'path length constraint exceeded';
  // Name constraints are not evaluated here; refusing is safer than ignoring them.
  if (issuer.hasNameConstraints) return 'issuer has name constraints, which are not supported';
  return ownProblem(issuer, now);
}
