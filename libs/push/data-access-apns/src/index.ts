export { ApnsClient, type ApnsClientOptions } from './apns.client';
export type { ApnsOutcome } from './apns-outcome';
export type { ApnsPush } from './apns-request';
