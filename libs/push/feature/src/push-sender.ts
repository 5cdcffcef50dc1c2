import type { ApnsClient, ApnsOutcome } from '@espalier/push/data-access-apns';
import { retryDelay, type RetryPolicy, type TargetFacts } from '@espalier/push/domain';

export interface SendDeps {
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
}

/**
 * Pushes one target, retrying what APNs or the network may accept later
 * (429, 5xx, GOAWAY, lost connection) with bounded backoff; the outcome is
 * the last attempt's.
 */
export async function sendWithRetry(client: ApnsClient, target: TargetFacts, policy: RetryPolicy, deps: SendDeps): Promise<ApnsOutcome> {
  for (let attempt = 1; ; attempt++) {
    const outcome = await client.push({ token: target.tokenHex, pushMagic: target.pushMagic });
    if (outcome.ok) return outcome;
    const delay = retryDelay(outcome, attempt, policy, deps.random());
    if (delay === null) return outcome;
    await deps.sleep(delay);
  }
}
