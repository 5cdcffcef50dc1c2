import { decodeCheckin, decodeCommandReport, resolveEnrollment, type EnrollmentIds } from '@espalier/mdm/protocol';
import { goJsonObject, goJsonString, optionalString } from './go-json';
import { checkinTopic, CONNECT_TOPIC, type WebhookTopic } from './webhook-topic';

/** What a webhook is about: the exact request bytes of a check-in or a command report. */
export type WebhookRequest =
  | { readonly kind: 'checkin'; readonly raw: Buffer; /** Required for a TokenUpdate, ignored otherwise. */ readonly tokenUpdateTally?: number }
  | { readonly kind: 'report'; readonly raw: Buffer };

export interface WebhookMeta {
  /** Already formatted (see goRfc3339NanoUtc). */
  readonly createdAt: string;
  /** Omitted from the body when empty, as NanoMDM does. */
  readonly eventId: string;
}

export interface WebhookBody {
  readonly topic: WebhookTopic;
  readonly body: Buffer;
}

/**
 * The MicroMDM/NanoMDM webhook body (§10): compact JSON, keys in NanoMDM's
 * order, empty fields left out. IDs, UDID and EnrollmentID come from the
 * request itself, resolved as the check-in service resolves them (§5).
 * `url_params` is never sent: the log does not record the request's query.
 */
export function webhookBody(request: WebhookRequest, meta: WebhookMeta): WebhookBody {
  const raw = goJsonString(request.raw.toString('base64'));
  if (request.kind === 'report') {
    const report = decodeCommandReport(request.raw);
    const acknowledge = goJsonObject([
      ['command_uuid', optionalString(report.commandUuid)],
      ['enrollment_id', optionalString(report.ids.enrollmentId)],
      ['ids', idsJson(report.ids)],
      ['raw_payload', raw],
      ['status', goJsonString(report.status)],
      ['udid', optionalString(report.ids.udid)],
    ]);
    return envelope(CONNECT_TOPIC, ['acknowledge_event', acknowledge], meta);
  }
  const message = decodeCheckin(request.raw);
  const tally = message.messageType === 'TokenUpdate' ? tallyJson(request.tokenUpdateTally) : undefined;
  const checkin = goJsonObject([
    ['enrollment_id', optionalString(message.ids.enrollmentId)],
    ['ids', idsJson(message.ids)],
    ['raw_payload', raw],
    ['token_update_tally', tally],
    ['udid', optionalString(message.ids.udid)],
  ]);
  return envelope(checkinTopic(message.messageType), ['checkin_event', checkin], meta);
}

function envelope(topic: WebhookTopic, event: readonly ['acknowledge_event' | 'checkin_event', string], meta: WebhookMeta): WebhookBody {
  const json = goJsonObject([
    ['acknowledge_event', event[0] === 'acknowledge_event' ? event[1] : undefined],
    ['checkin_event', event[0] === 'checkin_event' ? event[1] : undefined],
    ['created_at', goJsonString(meta.createdAt)],
    ['event_id', optionalString(meta.eventId)],
    ['topic', goJsonString(topic)],
  ]);
  return { topic, body: Buffer.from(json, 'utf8') };
}

function idsJson(ids: EnrollmentIds): string {
  const resolved = resolveEnrollment(ids);
  return goJsonObject([
    ['id', goJsonString(resolved.id)],
    ['parent_id', optionalString(resolved.parentId ?? undefined)],
    ['type', goJsonString(resolved.type)],
  ]);
}

function tallyJson(tally: number | undefined): string {
  if (tally === undefined || !Number.isSafeInteger(tally)) throw new Error('building a TokenUpdate webhook: the token update tally is missing');
  return String(tally);
}
