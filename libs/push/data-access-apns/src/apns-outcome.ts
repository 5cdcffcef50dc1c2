/** How APNs answered one push; PushSent / PushFailed are built from it. */
export type ApnsOutcome =
  | { readonly ok: true; readonly apnsId: string }
  | {
      readonly ok: false;
      /** HTTP status, the GOAWAY error code for connection-level errors, or null for transport failures. */
      readonly status: number | null;
      readonly reason: string;
      /** The error body's `timestamp` (Unix milliseconds; APNs sends it with 410). */
      readonly timestamp: number | null;
    };

/**
 * Maps an HTTP answer to an outcome. Errors carry `{"reason":…, "timestamp"?:…}`:
 * https://developer.apple.com/documentation/usernotifications/handling-notification-responses-from-apns
 */
export function responseOutcome(status: number, apnsId: string | undefined, body: string): ApnsOutcome {
  if (status === 200) {
    if (apnsId) return { ok: true, apnsId };
    return { ok: false, status, reason: 'APNs answered 200 without an apns-id header', timestamp: null };
  }
  return errorBodyOutcome(status, body);
}

/** A GOAWAY: its error code stands in for the status and its debug data is the JSON error body (as NanoMDM). */
export function goawayOutcome(code: number, debugData: Buffer | undefined): ApnsOutcome {
  return errorBodyOutcome(code, debugData?.toString('utf8') ?? '');
}

/** The request never got an answer: connect failure, stream reset, session closed. */
export function transportOutcome(error: unknown): ApnsOutcome {
  const reason = error instanceof Error ? error.message : String(error);
  return { ok: false, status: null, reason: reason || 'APNs transport error', timestamp: null };
}

function errorBodyOutcome(status: number, body: string): ApnsOutcome {
  const decoded = decodeErrorBody(body);
  if (typeof decoded === 'string') return { ok: false, status, reason: decoded, timestamp: null };
  return { ok: false, status, reason: decoded.reason, timestamp: decoded.timestamp };
}

function decodeErrorBody(body: string): { reason: string; timestamp: number | null } | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    return `decoding APNs error body: ${(error as Error).message}: ${JSON.stringify(body.slice(0, 200))}`;
  }
  if (typeof parsed !== 'object' || parsed === null) return `decoding APNs error body: not an object: ${body.slice(0, 200)}`;
  const { reason, timestamp } = parsed as { reason?: unknown; timestamp?: unknown };
  if (typeof reason !== 'string' || reason === '') return `decoding APNs error body: no reason: ${body.slice(0, 200)}`;
  return { reason, timestamp: Number.isInteger(timestamp) ? (timestamp as number) : null };
}
