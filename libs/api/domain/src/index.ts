export { goJson } from './go-json';
export { enrollmentIdsFromPath } from './enrollment-ids';
export { apiStatusCode, orderedResult, type ApiResult, type IdResult } from './api-result';
export { placeOutcome, type PlacedOutcome, type PushOutcomeFact } from './push-outcome-text';
export { checkEnqueue, type EnqueueFacts } from './enqueue.check';
export { pushResults } from './push-results';
export { goFormEncode } from './go-form';
export { escrowRequestFrom, type EscrowRequest } from './escrow-request';
export { API_OPERATIONS, matchApiRoute, type ApiOperation, type ApiRoute } from './api-routes';
