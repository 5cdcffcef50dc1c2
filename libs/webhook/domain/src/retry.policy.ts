/** How long a failed webhook keeps being retried before it is dead-lettered. */
export interface WebhookRetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
}

/** Only 200 counts as delivered, as in NanoMDM (a 201 or 204 is a failure there too). */
export function isDelivered(status: number): boolean {
  return status === 200;
}

/**
 * Milliseconds to wait after failed attempt `attempt` (1-based), or null
 * when the attempts are used up. Doubles from minDelayMs up to maxDelayMs;
 * half of each wait is random (`random` in [0, 1)), so a receiver that comes
 * back is not hit by every waiting device at the same instant.
 */
export function retryDelay(attempt: number, policy: WebhookRetryPolicy, random: number): number | null {
  if (attempt >= policy.maxAttempts) return null;
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.min(attempt - 1, 40));
  return Math.floor(ceiling / 2 + (ceiling / 2) * random);
}
