/** Infrastructure failed (broker, database, catch-up): the device should retry, nothing was half-applied (503). */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
}

/** The log refused the record for its size: retrying cannot help, so not a 503 but a 413. */
export class TooLargeError extends Error {
  override readonly name = 'TooLargeError';
}

/**
 * Bounds a dependency call: while the broker is down the producer retries
 * for a long time, and a device must get a quick 503 (it retries), never a
 * hanging request.
 */
export function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** Runs a dependency call, turning its failure into UnavailableError (or TooLargeError for an oversized record). */
export async function unavailableOnError<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    if ((error as { type?: string }).type === 'MESSAGE_TOO_LARGE') throw new TooLargeError(`${what}: ${(error as Error).message}`);
    throw new UnavailableError(`${what}: ${(error as Error).message}`);
  }
}
