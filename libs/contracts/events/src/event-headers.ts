/** Content type of every encoded event's value: the envelope as UTF-8 JSON. */
export const CONTENT_TYPE_JSON = 'application/json';

/** Kafka header names every encoded event carries (subscribers route on type and version without parsing). */
export const EVENT_HEADERS = {
  type: 'espalier-type',
  version: 'espalier-version',
  eventId: 'espalier-event-id',
  contentType: 'content-type',
} as const;
