import type { z } from 'zod';
import type { AnyEventDefinition } from './define-event';
import { untypedEnvelopeSchema } from './envelope.schema';
import { describeIssues, EventDecodeError } from './event.errors';
import { EVENT_HEADERS } from './event-headers';

export type HeaderValue = Buffer | string | ReadonlyArray<Buffer | string> | undefined;

/** The parts of a Kafka message decode needs (a kafkajs KafkaMessage fits). */
export interface IncomingMessage {
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, HeaderValue>>;
}

/**
 * JSON → envelope → definition → upcaster chain → current schema. Every failure is an
 * EventDecodeError whose message names the event and the offending field.
 */
export function decodeWith(lookup: (type: string) => AnyEventDefinition | undefined, message: IncomingMessage): unknown {
  const envelope = parseEnvelope(message.value);
  const where = `decoding event ${envelope.type} v${envelope.version}`;
  checkHeader(message.headers, EVENT_HEADERS.type, envelope.type, where);
  checkHeader(message.headers, EVENT_HEADERS.version, String(envelope.version), where);

  const definition = lookup(envelope.type);
  if (!definition) throw new EventDecodeError(`decoding event: unknown type "${envelope.type}"`, envelope.type, envelope.version);
  if (envelope.version > definition.version) {
    throw new EventDecodeError(
      `${where}: version ${envelope.version} is newer than the catalog's v${definition.version} (upgrade this consumer)`,
      envelope.type,
      envelope.version,
    );
  }
  const data = upcast(definition, envelope.version, envelope.data, where);
  const result = definition.envelope.safeParse({ ...envelope, version: definition.version, data });
  if (!result.success) throw new EventDecodeError(`${where}: ${describeIssues(result.error)}`, envelope.type, envelope.version);
  return result.data;
}

function parseEnvelope(value: Buffer | string | null): z.output<typeof untypedEnvelopeSchema> {
  if (value === null) throw new EventDecodeError('decoding event: empty message value');
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (cause) {
    throw new EventDecodeError(`decoding event: malformed json: ${(cause as Error).message}`, undefined, undefined, { cause });
  }
  const result = untypedEnvelopeSchema.safeParse(json);
  if (result.success) return result.data;
  const { type, version } = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
  const label = typeof type === 'string' ? ` ${type}${typeof version === 'number' ? ` v${version}` : ''}` : '';
  throw new EventDecodeError(`decoding event${label}: ${describeIssues(result.error)}`, typeof type === 'string' ? type : undefined);
}

function upcast(definition: AnyEventDefinition, fromVersion: number, data: unknown, where: string): unknown {
  let current = data;
  for (const step of definition.upcastFrom.slice(fromVersion - 1)) {
    const old = step.data.safeParse(current);
    if (!old.success) {
      throw new EventDecodeError(`${where}: ${describeIssues(old.error, 'data')} (as v${step.version})`, definition.type, fromVersion);
    }
    try {
      current = step.upcast(old.data);
    } catch (cause) {
      const reason = cause instanceof Error ? cause.message : String(cause);
      throw new EventDecodeError(`${where}: upcasting v${step.version} to v${step.version + 1}: ${reason}`, definition.type, fromVersion, {
        cause,
      });
    }
  }
  return current;
}

function checkHeader(headers: IncomingMessage['headers'], name: string, expected: string, where: string): void {
  const raw = headers?.[name];
  if (raw === undefined) return;
  const value = (Array.isArray(raw) ? raw[0] : raw)?.toString();
  if (value !== undefined && value !== expected) {
    throw new EventDecodeError(`${where}: header ${name} "${value}" does not match the envelope ("${expected}")`);
  }
}
