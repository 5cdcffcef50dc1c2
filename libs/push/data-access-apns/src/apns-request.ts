import type { OutgoingHttpHeaders } from 'node:http2';

/** One MDM push: the device's hex token and its PushMagic, both from its TokenUpdate. */
export interface ApnsPush {
  readonly token: string;
  readonly pushMagic: string;
}

export interface ApnsRequestOptions {
  readonly topic: string;
  /** Absolute `apns-expiration` (Unix seconds), sent only when set. */
  readonly expiration?: number;
}

/**
 * `POST /3/device/<token>` with the MDM payload. NanoMDM sends no apns-topic / apns-push-type
 * headers; Apple documents `mdm` as a push type and the topic is the certificate's UID, so
 * sending both is harmless and explicit:
 * https://developer.apple.com/documentation/usernotifications/sending-notification-requests-to-apns
 */
export function apnsRequestHeaders(push: ApnsPush, options: ApnsRequestOptions): OutgoingHttpHeaders {
  const headers: OutgoingHttpHeaders = {
    ':method': 'POST',
    ':path': `/3/device/${push.token}`,
    'content-type': 'application/json',
    'apns-topic': options.topic,
    'apns-push-type': 'mdm',
    'apns-priority': '10',
  };
  if (options.expiration !== undefined) headers['apns-expiration'] = String(options.expiration);
  return headers;
}

/** `{"mdm":"<PushMagic>"}`; JSON.stringify escapes what NanoMDM's concatenation would not. */
export function apnsRequestBody(push: ApnsPush): string {
  return JSON.stringify({ mdm: push.pushMagic });
}
