export { goRfc3339NanoUtc } from './go-time';
export { goJsonString } from './go-json';
export { checkinTopic, CONNECT_TOPIC, type CheckinTopic, type WebhookTopic } from './webhook-topic';
export { webhookBody, type WebhookBody, type WebhookMeta, type WebhookRequest } from './webhook-body';
export { HMAC_HEADER, webhookSignature } from './webhook-signature';
export { WEBHOOK_EVENT_TYPES, webhookSourceOf, type RawBytes, type WebhookSource } from './webhook-source';
export { applyToTallies, TALLY_EVENT_TYPES, type Tallies, type TallyEntry } from './token-update-tally';
export { isDelivered, retryDelay, type WebhookRetryPolicy } from './retry.policy';
export { releasable, watermarkKey, type OutboxHead, type PartitionRef, type ReleaseOptions, type Watermarks } from './release.rule';
