import type { z } from 'zod';
import { envelopeSchemaOf, type EventEnvelope, type EventMeta, type SubjectField } from './envelope.schema';

/**
 * One frozen older version of an event and the pure function that lifts its data to the next
 * version. Old shapes never change once shipped; handlers only ever see the latest one.
 */
export interface UpcastStep<S extends z.ZodType = z.ZodType> {
  readonly version: number;
  readonly data: S;
  upcast(old: z.output<S>): unknown;
}

/** Identity helper that infers `old`'s type from the step's schema. */
export function upcaster<S extends z.ZodType>(step: UpcastStep<S>): UpcastStep {
  return step as UpcastStep;
}

export interface EventDefinitionInput<T extends string, V extends number, S extends z.ZodType, R extends SubjectField> {
  readonly type: T;
  readonly version: V;
  readonly topic: string;
  readonly data: S;
  /** Envelope fields that must be non-null for this event (its subject). */
  readonly requires?: readonly R[];
  /** Kafka key; default: deviceId ?? enrollmentId ?? eventId. */
  key?(event: EventEnvelope<T, V, z.output<S>, NoInfer<R>>): string;
  /** The key rule in words, for subscribers (AsyncAPI); required with a custom `key`. */
  readonly keyRule?: string;
  /** Older versions, each with the upcaster to the next; must cover 1 … version-1. */
  readonly upcastFrom?: readonly UpcastStep[];
  readonly description?: string;
}

export interface EventDefinition<T extends string, V extends number, S extends z.ZodType, R extends SubjectField> {
  readonly type: T;
  readonly version: V;
  readonly topic: string;
  readonly data: S;
  readonly requires: readonly R[];
  readonly description: string | undefined;
  /** Older versions, ascending. */
  readonly upcastFrom: readonly UpcastStep[];
  /** Envelope schema of the current version. */
  readonly envelope: z.ZodType<EventEnvelope<T, V, z.output<S>, R>>;
  key(event: EventEnvelope<T, V, z.output<S>, R>): string;
  /** How `key` is derived, in words. */
  readonly keyRule: string;
}

/** What generic catalog code needs from any definition, whatever its type parameters. */
export interface AnyEventDefinition {
  readonly type: string;
  readonly version: number;
  readonly topic: string;
  readonly data: z.ZodType;
  readonly requires: readonly SubjectField[];
  readonly description: string | undefined;
  readonly upcastFrom: readonly UpcastStep[];
  readonly envelope: z.ZodType<EventEnvelope<string, number, unknown>>;
  key(event: EventEnvelope<string, number, unknown>): string;
  readonly keyRule: string;
}

/** The current-version envelope type a definition describes. */
export type EnvelopeOf<D> =
  D extends EventDefinition<infer T, infer V, infer S, infer R> ? EventEnvelope<T, V, z.output<S>, R> : never;

const TYPE_NAME = /^[A-Z][A-Za-z0-9]*$/;

export function defineEvent<const T extends string, const V extends number, S extends z.ZodType, R extends SubjectField = never>(
  input: EventDefinitionInput<T, V, S, R>,
): EventDefinition<T, V, S, R> {
  const where = `defining event ${input.type} v${input.version}`;
  if (!TYPE_NAME.test(input.type)) throw new Error(`${where}: type must be PascalCase`);
  if (!Number.isInteger(input.version) || input.version < 1) throw new Error(`${where}: version must be an integer >= 1`);
  if (input.topic.length === 0) throw new Error(`${where}: topic must not be empty`);
  const upcastFrom = [...(input.upcastFrom ?? [])].sort((a, b) => a.version - b.version);
  upcastFrom.forEach((step, i) => {
    if (step.version !== i + 1) throw new Error(`${where}: upcasters must cover v1 to v${input.version - 1}, missing v${i + 1}`);
  });
  if (upcastFrom.length !== input.version - 1) {
    throw new Error(`${where}: upcasters must cover v1 to v${input.version - 1}, got ${upcastFrom.length}`);
  }
  if (input.key !== undefined && !input.keyRule) throw new Error(`${where}: a custom key needs a keyRule describing it`);
  const requires = input.requires ?? [];
  return {
    type: input.type,
    version: input.version,
    topic: input.topic,
    data: input.data,
    requires,
    description: input.description,
    upcastFrom,
    envelope: envelopeSchemaOf(input.type, input.version, input.data, requires) as unknown as EventDefinition<T, V, S, R>['envelope'],
    key: input.key ?? ((event) => defaultKey(event as unknown as KeyFields)),
    keyRule: input.keyRule ?? defaultKeyRule(requires),
  };
}

/** The default key in words: the device-channel ID whenever the event has one. */
function defaultKeyRule(requires: readonly SubjectField[]): string {
  if (requires.includes('deviceId')) return 'deviceId: the device-channel ID, shared by a device and its user channels';
  return 'deviceId (the device-channel ID) when set, else enrollmentId, else eventId';
}

type KeyFields = Pick<EventMeta, 'eventId' | 'enrollmentId' | 'deviceId'>;

/** Device-channel ID first, so a device and its user channels stay in one ordered partition. */
export function defaultKey(event: KeyFields): string {
  return event.deviceId ?? event.enrollmentId ?? event.eventId;
}
