import { z } from 'zod';
import type { AnyEventDefinition, EnvelopeOf } from './define-event';
import { describeIssues, EventEncodeError } from './event.errors';
import { decodeWith, type IncomingMessage } from './event-decoder';
import { envelopeSchemaOf, type MetaFor, type SubjectField } from './envelope.schema';
import { CONTENT_TYPE_JSON, EVENT_HEADERS } from './event-headers';

export { CONTENT_TYPE_JSON, EVENT_HEADERS };

/** JSON Schema dialects jsonSchemas() can render (they differ only in `$schema` for this catalog). */
export type JsonSchemaTarget = 'draft-2020-12' | 'draft-7';

export interface EncodedEvent {
  readonly topic: string;
  readonly key: string;
  /** UTF-8 JSON of the envelope. */
  readonly value: Buffer;
  readonly headers: {
    readonly [EVENT_HEADERS.type]: string;
    readonly [EVENT_HEADERS.version]: string;
    readonly [EVENT_HEADERS.eventId]: string;
    readonly [EVENT_HEADERS.contentType]: typeof CONTENT_TYPE_JSON;
  };
}

export type JsonSchema = Record<string, unknown>;

type DefinitionOf<D extends AnyEventDefinition, T extends D['type']> = Extract<D, { type: T }>;
type MetaOf<D> = D extends { requires: readonly (infer R extends SubjectField)[] } ? MetaFor<R> : never;

export interface EventCatalog<D extends AnyEventDefinition> {
  readonly definitions: readonly D[];
  /** Builds and validates a current-version event. Time and IDs come in through `meta`. */
  create<T extends D['type']>(type: T, data: z.input<DefinitionOf<D, T>['data']>, meta: MetaOf<DefinitionOf<D, T>>): Extract<EnvelopeOf<D>, { type: T }>;
  /** Validates and serialises a current-version event into a Kafka message. */
  encode(event: EnvelopeOf<D>): EncodedEvent;
  /** Parses a Kafka message into the latest version of its event; throws EventDecodeError. */
  decode(message: IncomingMessage): EnvelopeOf<D>;
  definitionOf<T extends D['type']>(type: T): DefinitionOf<D, T>;
  definitionOf(type: string): D | undefined;
  /**
   * `{ "<type>.v<version>": JSON Schema of the envelope }` for every version, old ones included.
   * Draft 2020-12 by default; draft-07 for AsyncAPI, whose schema format is a draft-07 superset.
   */
  jsonSchemas(options?: { target?: JsonSchemaTarget }): Record<string, JsonSchema>;
}

export function createCatalog<const Defs extends readonly AnyEventDefinition[]>(definitions: Defs): EventCatalog<Defs[number]> {
  type D = Defs[number];
  const byType = new Map<string, D>();
  for (const definition of definitions) {
    if (byType.has(definition.type)) throw new Error(`creating event catalog: duplicate type "${definition.type}"`);
    byType.set(definition.type, definition);
  }
  const lookup = (type: string): D | undefined => byType.get(type);
  const definitionFor = (type: string, where: string): D => {
    const definition = lookup(type);
    if (!definition) throw new EventEncodeError(`${where}: unknown type "${type}"`);
    return definition;
  };

  const validate = (definition: D, candidate: unknown, where: string): EnvelopeOf<D> => {
    const result = definition.envelope.safeParse(candidate);
    if (!result.success) throw new EventEncodeError(`${where}: ${describeIssues(result.error)}`);
    return result.data as EnvelopeOf<D>;
  };

  return {
    definitions,
    create(type, data, meta) {
      const definition = definitionFor(type, 'creating event');
      const { eventId, occurredAt, enrollmentId, deviceId, source, correlationId, causationId } = meta as MetaFor<never>;
      const candidate = { eventId, type, version: definition.version, occurredAt, enrollmentId, deviceId, source, correlationId, causationId, data };
      return validate(definition, candidate, `creating event ${type}`) as never;
    },
    encode(event) {
      const definition = definitionFor(event.type, 'encoding event');
      const where = `encoding event ${event.type} v${event.version}`;
      if (event.version !== definition.version) throw new EventEncodeError(`${where}: only the current v${definition.version} can be written`);
      const envelope = validate(definition, event, where);
      const key = definition.key(envelope);
      if (typeof key !== 'string' || key.length === 0) throw new EventEncodeError(`${where}: key function returned an empty key`);
      return {
        topic: definition.topic,
        key,
        value: Buffer.from(JSON.stringify(envelope), 'utf8'),
        headers: {
          [EVENT_HEADERS.type]: envelope.type,
          [EVENT_HEADERS.version]: String(envelope.version),
          [EVENT_HEADERS.eventId]: envelope.eventId,
          [EVENT_HEADERS.contentType]: CONTENT_TYPE_JSON,
        },
      };
    },
    decode(message) {
      return decodeWith(lookup, message) as EnvelopeOf<D>;
    },
    definitionOf: lookup as EventCatalog<D>['definitionOf'],
    jsonSchemas({ target = 'draft-2020-12' } = {}) {
      const schemas: Record<string, JsonSchema> = {};
      for (const definition of definitions) {
        const versions = [...definition.upcastFrom.map((step) => ({ version: step.version, data: step.data })), definition];
        for (const { version, data } of versions) {
          const envelope = envelopeSchemaOf(definition.type, version, data, definition.requires);
          const { $schema, ...schema } = z.toJSONSchema(envelope, { target, override: dropNonStandardFormat });
          schemas[`${definition.type}.v${version}`] = {
            $schema,
            title: `${definition.type} v${version}`,
            ...(definition.description === undefined ? {} : { description: definition.description }),
            'x-espalier-topic': definition.topic,
            ...schema,
          };
        }
      }
      return schemas;
    },
  };
}

// zod writes its own checks as `format` too ("base64", "starts_with"); validators such as ajv
// refuse unknown formats by default. The `pattern` (and `contentEncoding`) beside them say the same.
const STANDARD_FORMATS = new Set(['date-time', 'date', 'time', 'duration', 'email', 'hostname', 'ipv4', 'ipv6', 'uri', 'uri-reference', 'uuid', 'regex']);

function dropNonStandardFormat({ jsonSchema }: { jsonSchema: { format?: string } }): void {
  if (jsonSchema.format !== undefined && !STANDARD_FORMATS.has(jsonSchema.format)) delete jsonSchema.format;
}
