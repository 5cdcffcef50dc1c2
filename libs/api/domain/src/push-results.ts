import type { ApiResult, IdResult } from './api-result';
import { placeOutcome, type PushOutcomeFact } from './push-outcome-text';

/**
 * The push part of an APIResult (§3.7) from the outcomes that arrived. An ID
 * whose outcome did not arrive within the API's wait gets an empty line `{}`
 * (NanoMDM's line for a push accepted without apns-id): its PushSent or
 * PushFailed comes later, on mdm.push.
 */
export function pushResults(ids: readonly string[], outcomes: ReadonlyMap<string, PushOutcomeFact>): Pick<ApiResult, 'status' | 'push_error'> {
  const status: Record<string, IdResult> = {};
  let topLevel: string | undefined;
  for (const id of ids) {
    const outcome = outcomes.get(id);
    if (!outcome) {
      status[id] = {};
      continue;
    }
    const placed = placeOutcome(outcome);
    if ('topLevel' in placed) topLevel ??= placed.topLevel;
    else status[id] = placed.id;
  }
  return topLevel === undefined ? { status } : { status, push_error: topLevel };
}
