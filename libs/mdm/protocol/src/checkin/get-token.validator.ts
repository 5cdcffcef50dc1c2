import { ProtocolError } from '../protocol.error';
import type { GetToken } from './checkin-message';

const WATCH_PAIRING = 'com.apple.watch.pairing';

/**
 * NanoMDM validates GetToken before cert-auth and the webhook run (§6.8) and
 * answers an invalid one with 500, not 400 — kept for compatibility.
 */
export function validateGetToken(message: GetToken): void {
  if (message.tokenServiceType === '') throw new ProtocolError(500, 'validating GetToken: empty TokenServiceType');
  if (message.tokenServiceType === WATCH_PAIRING && message.tokenParameters === undefined) {
    throw new ProtocolError(500, `validating GetToken: ${WATCH_PAIRING} requires TokenParameters`);
  }
}
