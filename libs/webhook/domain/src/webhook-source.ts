import type { EncryptedSecret, EspalierEvent } from '@espalier/contracts/events';

/** The request bytes as the event carries them: plain base64, or sealed with the enrollment ID as associated data. */
export type RawBytes = { readonly base64: string } | { readonly sealed: EncryptedSecret; readonly aad: string };

/** An event that becomes a webhook: a device's check-in or command report. */
export interface WebhookSource {
  readonly kind: 'checkin' | 'report';
  readonly raw: RawBytes;
  /** A TokenUpdate: its body carries token_update_tally. */
  readonly tokenUpdate: boolean;
}

/** The events that are one device request each, and so one webhook (§10). */
export const WEBHOOK_EVENT_TYPES: ReadonlySet<EspalierEvent['type']> = new Set([
  'EnrollmentAuthenticated',
  'TokenUpdated',
  'EnrollmentCheckedOut',
  'UserAuthenticated',
  'BootstrapTokenSet',
  'BootstrapTokenRetrieved',
  'DeclarativeManagementRequested',
  'TokenRequested',
  'CommandReported',
]);

/**
 * What to post for an event, or null when NanoMDM would post nothing: events
 * that are not a device request (queueing, pushes, API actions), and
 * check-ins imported through /migration, which carry no certificate (NanoMDM
 * calls its core service directly there, without the webhook, §3.10).
 * TokenUpdate and SetBootstrapToken requests carry secrets in clear, so
 * their bytes are sealed in the log.
 */
export function webhookSourceOf(event: EspalierEvent): WebhookSource | null {
  switch (event.type) {
    case 'CommandReported':
      // A report is always a device's own request; v1 reports (certificate null) came from devices too.
      return { kind: 'report', raw: { base64: event.data.raw }, tokenUpdate: false };
    case 'TokenUpdated':
    case 'BootstrapTokenSet':
      if (event.data.certificate === null) return null;
      return { kind: 'checkin', raw: { sealed: event.data.raw, aad: event.enrollmentId }, tokenUpdate: event.type === 'TokenUpdated' };
    case 'EnrollmentAuthenticated':
    case 'EnrollmentCheckedOut':
    case 'UserAuthenticated':
    case 'BootstrapTokenRetrieved':
    case 'DeclarativeManagementRequested':
    case 'TokenRequested':
      if (event.data.certificate === null) return null;
      return { kind: 'checkin', raw: { base64: event.data.raw }, tokenUpdate: false };
    default:
      return null;
  }
}
