/**
 * Plist integers are 64-bit (binary plists even allow 128-bit encodings). We
 * keep them as JavaScript numbers and refuse anything beyond ±(2^53 − 1)
 * instead of rounding it: no key NanoMDM reads is that large (ErrorCode is
 * the only integer it looks at), and a silently altered number would be
 * worse than a clear 400. Trade-off, documented: a report carrying such an
 * integer under an unknown key is rejected where NanoMDM would accept it.
 */
export function toSafeInteger(value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new RangeError(`integer ${value} is outside ±(2^53 - 1)`);
  }
  return Number(value);
}
