/** Kafka offsets are int64: compare and step them as bigint, never as JS numbers. */
export function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

/**
 * Records a reader positioned at `next` (the next offset it reads) has yet to
 * read: the log end minus its position. Records below the log start were
 * deleted, so they count as gone, not as lag; a position past the end (a
 * stale end read) counts as none.
 */
export function lagOf(end: { readonly high: string; readonly low: string }, next: string): bigint {
  const high = BigInt(end.high);
  const low = BigInt(end.low);
  const from = BigInt(next) > low ? BigInt(next) : low;
  return high > from ? high - from : 0n;
}
