/** How APNs answered, as far as retrying is concerned. */
export interface FailedAttempt {
  /** HTTP status, a GOAWAY error code (below 100), or null when no answer came. */
  readonly status: number | null;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly attempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 8_000 };

/**
 * 429 (too many requests), 5xx, a GOAWAY and a lost connection are APNs or
 * the network being busy, and worth another try; any other 4xx is about
 * this push or token and would fail again.
 * https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns
 */
export function isRetryable(failure: FailedAttempt): boolean {
  const { status } = failure;
  return status === null || status < 100 || status === 429 || status >= 500;
}

/**
 * Milliseconds to wait before attempt `attempt + 1`, or null to give up.
 * Exponential, half of it random (`random` in [0, 1)), so pushes refused
 * together do not come back together.
 */
export function retryDelay(failure: FailedAttempt, attempt: number, policy: RetryPolicy, random: number): number | null {
  if (!isRetryable(failure) || attempt >= policy.attempts) return null;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(ceiling / 2 + (ceiling / 2) * random);
}
