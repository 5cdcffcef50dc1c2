import type { Checkpoint } from '../checkpoints';

const applied = (cs: readonly Checkpoint[]) => cs.filter((c) => BigInt(c.offset) >= 0n);

/** Equal offsets for every partition where something was applied (-1 rows count as nothing). */
export function sameOffsets(a: readonly Checkpoint[], b: readonly Checkpoint[]): boolean {
  const key = (cs: readonly Checkpoint[]) =>
    applied(cs)
      .map((c) => `${c.topic}/${c.partition}@${c.offset}`)
      .sort()
      .join(',');
  return key(a) === key(b);
}

/** Records between two checkpoint sets: how far `from` is behind `to`, summed over partitions. */
export function recordsBetween(from: readonly Checkpoint[], to: readonly Checkpoint[]): number {
  const at = new Map(from.map((c) => [`${c.topic}/${c.partition}`, BigInt(c.offset)]));
  let total = 0n;
  for (const c of applied(to)) {
    const gap = BigInt(c.offset) - (at.get(`${c.topic}/${c.partition}`) ?? -1n);
    if (gap > 0n) total += gap;
  }
  return Number(total);
}

/** Progress of one replay, for a progress bar: where it is and how fast it goes. */
export interface ReplayProgress {
  readonly projection: string;
  readonly phase: 'rebuilding' | 'following' | 'swapping';
  /** Records the shadow has passed since this run started (a resumed replay counts from its restart). */
  readonly done: number;
  /** Records between the shadow and the live projection now. */
  readonly remaining: number;
  readonly eventsPerSecond: number;
  /** null while the rate is unknown. */
  readonly secondsLeft: number | null;
}

export function progressOf(projection: string, phase: ReplayProgress['phase'], done: number, remaining: number, elapsedMs: number): ReplayProgress {
  const eventsPerSecond = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  return { projection, phase, done, remaining, eventsPerSecond, secondsLeft: eventsPerSecond > 0 ? remaining / eventsPerSecond : null };
}
