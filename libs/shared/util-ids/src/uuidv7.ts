// UUIDv7 (RFC 9562 §5.7): 48-bit Unix milliseconds, version 7, 12-bit rand_a, variant 0b10,
// 62-bit rand_b. Event IDs sort by creation time, which keeps log and index order aligned.
// https://www.rfc-editor.org/rfc/rfc9562#name-uuid-version-7
import { randomBytes } from 'node:crypto';

export type Clock = () => number;
export type RandomBytes = (size: number) => Uint8Array;

export interface UuidV7GeneratorOptions {
  readonly clock?: Clock;
  readonly random?: RandomBytes;
}

const MAX_COUNTER = 0xfff;
const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/**
 * Returns a generator that is monotonic (RFC 9562 §6.2, method 1): within one millisecond
 * rand_a is a counter seeded with 11 random bits, so there are at least 2048 increments
 * before it overflows; on overflow, or when the clock goes backwards, the timestamp is
 * advanced past the last one used instead of repeating or reordering IDs.
 */
export function createUuidV7Generator(options: UuidV7GeneratorOptions = {}): () => string {
  const clock = options.clock ?? Date.now;
  const random = options.random ?? randomBytes;
  let lastMs = -1;
  let counter = 0;
  return () => {
    const bytes = random(10);
    if (bytes.length < 10) throw new Error(`uuidv7: random source returned ${bytes.length} bytes, need 10`);
    let ms = Math.floor(clock());
    if (!Number.isSafeInteger(ms) || ms < 0 || ms > 0xffffffffffff) {
      throw new Error(`uuidv7: clock returned ${ms}, expected unix milliseconds`);
    }
    if (ms > lastMs) {
      counter = ((bytes[0] << 8) | bytes[1]) & 0x7ff;
    } else if (counter < MAX_COUNTER) {
      ms = lastMs;
      counter += 1;
    } else {
      ms = lastMs + 1;
      counter = ((bytes[0] << 8) | bytes[1]) & 0x7ff;
    }
    lastMs = ms;
    return format(ms, counter, bytes.subarray(2, 10));
  };
}

const defaultGenerator = createUuidV7Generator();

/**
 * A UUIDv7. Without arguments it uses the process-wide monotonic generator; with an injected
 * clock or random source it is a deterministic one-shot (use createUuidV7Generator for a
 * monotonic generator over injected sources).
 */
export function uuidv7(clock?: Clock, random?: RandomBytes): string {
  if (clock === undefined && random === undefined) return defaultGenerator();
  return createUuidV7Generator({ clock, random })();
}

export function isUuidV7(value: string): boolean {
  return UUID_V7.test(value);
}

/** The Unix-milliseconds timestamp embedded in a UUIDv7. */
export function uuidv7Timestamp(id: string): number {
  if (!isUuidV7(id)) throw new Error(`uuidv7 timestamp: "${id}" is not a UUIDv7`);
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}

function format(ms: number, counter: number, randB: Uint8Array): string {
  const out = Buffer.alloc(16);
  out.writeUIntBE(ms, 0, 6);
  out[6] = 0x70 | (counter >> 8);
  out[7] = counter & 0xff;
  out.set(randB, 8);
  out[8] = 0x80 | (out[8] & 0x3f);
  const hex = out.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
