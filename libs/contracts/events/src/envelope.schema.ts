import { z } from 'zod';
import { idSchema, isoDateTimeSchema } from './primitives.schema';

export const EVENT_SOURCES = ['checkin', 'commands', 'push', 'api'] as const;
export const eventSourceSchema = z.enum(EVENT_SOURCES);
export type EventSource = z.infer<typeof eventSourceSchema>;

/** Envelope fields an event may declare non-null (its subject). */
export type SubjectField = 'enrollmentId' | 'deviceId';

/** Everything in the envelope except type, version and data: supplied by the producer. */
export interface EventMeta {
  readonly eventId: string;
  readonly occurredAt: string;
  readonly enrollmentId: string | null;
  /** The device-channel ID: the Kafka key, so a device and its user channels share a partition. */
  readonly deviceId: string | null;
  readonly source: EventSource;
  readonly correlationId: string;
  readonly causationId: string | null;
}

/** EventMeta with the event's subject fields made non-null. */
export type MetaFor<R extends SubjectField> = Omit<EventMeta, R> & { readonly [K in R]: string };

export type EventEnvelope<T extends string, V extends number, D, R extends SubjectField = never> = {
  readonly type: T;
  readonly version: V;
  readonly data: D;
} & MetaFor<R>;

const metaShape = {
  eventId: z.uuid({ version: 'v7' }),
  occurredAt: isoDateTimeSchema,
  enrollmentId: idSchema.nullable(),
  deviceId: idSchema.nullable(),
  source: eventSourceSchema,
  correlationId: idSchema,
  causationId: idSchema.nullable(),
};

/** Validates any envelope before its type is known; `data` is checked per event afterwards. */
export const untypedEnvelopeSchema = z.object({
  eventId: metaShape.eventId,
  type: z.string().min(1),
  version: z.int().min(1),
  occurredAt: metaShape.occurredAt,
  enrollmentId: metaShape.enrollmentId,
  deviceId: metaShape.deviceId,
  source: metaShape.source,
  correlationId: metaShape.correlationId,
  causationId: metaShape.causationId,
  data: z.unknown(),
});

/** The full envelope schema of one event version (also the source of its JSON Schema). */
export function envelopeSchemaOf(type: string, version: number, data: z.ZodType, requires: readonly SubjectField[]) {
  const required = new Set<string>(requires);
  return z.object({
    eventId: metaShape.eventId,
    type: z.literal(type),
    version: z.literal(version),
    occurredAt: metaShape.occurredAt,
    enrollmentId: required.has('enrollmentId') ? idSchema : metaShape.enrollmentId,
    deviceId: required.has('deviceId') ? idSchema : metaShape.deviceId,
    source: metaShape.source,
    correlationId: metaShape.correlationId,
    causationId: metaShape.causationId,
    data,
  });
}
