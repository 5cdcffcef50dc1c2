/** Kafka offsets are int64: compare and step them as bigint, never as JS numbers. */
export function compareOffsets(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}
