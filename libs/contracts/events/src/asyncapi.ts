// The AsyncAPI 3.0 document for external subscribers, derived from a catalog and nothing else:
// one channel per topic (and its dead-letter topic), one message per event type and version,
// the envelope's JSON Schema as payload, Kafka key and headers as bindings.
// https://www.asyncapi.com/docs/reference/specification/v3.0.0
// https://github.com/asyncapi/bindings/tree/master/kafka (binding 0.5.0)
import type { AnyEventDefinition } from './define-event';
import type { EventCatalog, JsonSchema } from './catalog';
import { CONTENT_TYPE_JSON, EVENT_HEADERS } from './event-headers';
import { dlqTopicOf } from './topics';

export const ASYNCAPI_VERSION = '3.0.0';
const KAFKA_BINDING = '0.5.0';
/** AsyncAPI's default schema format is a draft-07 superset; payloads say so explicitly. */
export const PAYLOAD_SCHEMA_FORMAT = 'application/schema+json;version=draft-07';

export interface AsyncApiInfo {
  readonly title: string;
  readonly version: string;
  readonly description?: string;
  /** Channel descriptions by topic. */
  readonly topics?: Readonly<Record<string, string>>;
}

export type AsyncApiDocument = JsonSchema & { readonly asyncapi: typeof ASYNCAPI_VERSION };

/** `TokenUpdated.v1`: the message ID of one event version (also its JSON Schema's name). */
export const messageIdOf = (type: string, version: number): string => `${type}.v${version}`;
export const receiveOperationIdOf = (topic: string): string => `receive.${topic}`;

export function asyncApiDocument(catalog: EventCatalog<AnyEventDefinition>, info: AsyncApiInfo): AsyncApiDocument {
  const schemas = catalog.jsonSchemas({ target: 'draft-7' });
  const topics = [...new Set(catalog.definitions.map((d) => d.topic))].sort();
  const messages: Record<string, JsonSchema> = {};
  const channels: Record<string, JsonSchema> = {};
  const operations: Record<string, JsonSchema> = {};
  for (const definition of catalog.definitions) {
    for (let version = 1; version <= definition.version; version++) {
      const id = messageIdOf(definition.type, version);
      messages[id] = eventMessage(definition, version, schemas[id]);
    }
  }
  messages[DEAD_LETTER_MESSAGE] = deadLetterMessage();
  for (const topic of topics) {
    const ids = catalog.definitions
      .filter((d) => d.topic === topic)
      .flatMap((d) => Array.from({ length: d.version }, (_, i) => messageIdOf(d.type, i + 1)))
      .sort();
    const dlq = dlqTopicOf(topic);
    channels[topic] = channel(topic, info.topics?.[topic] ?? `Events on ${topic}.`, ids);
    channels[dlq] = channel(dlq, `Records of ${topic} that an Espalier consumer could not decode or apply, with their exact bytes and key.`, [DEAD_LETTER_MESSAGE]);
    operations[receiveOperationIdOf(topic)] = receiveOperation(topic, ids, `Follow ${topic} in your own consumer group.`);
    operations[receiveOperationIdOf(dlq)] = receiveOperation(dlq, [DEAD_LETTER_MESSAGE], `Inspect ${topic}'s dead letters (operators).`);
  }
  return {
    asyncapi: ASYNCAPI_VERSION,
    info: { title: info.title, version: info.version, ...(info.description === undefined ? {} : { description: info.description }) },
    defaultContentType: CONTENT_TYPE_JSON,
    channels,
    operations,
    components: { messages },
  };
}

function channel(topic: string, description: string, messageIds: readonly string[]): JsonSchema {
  return {
    address: topic,
    title: topic,
    description,
    messages: Object.fromEntries(messageIds.map((id) => [id, { $ref: `#/components/messages/${id}` }])),
    // The log is the source of truth: records never expire (ARCHITECTURE §2).
    bindings: { kafka: { topic, topicConfiguration: { 'retention.ms': -1 }, bindingVersion: KAFKA_BINDING } },
  };
}

function receiveOperation(topic: string, messageIds: readonly string[], summary: string): JsonSchema {
  return {
    action: 'receive',
    channel: { $ref: `#/channels/${topic}` },
    summary,
    messages: messageIds.map((id) => ({ $ref: `#/channels/${topic}/messages/${id}` })),
    bindings: {
      kafka: {
        groupId: { type: 'string', description: 'Your own consumer group ID: never one of the Espalier services\' groups.' },
        bindingVersion: KAFKA_BINDING,
      },
    },
  };
}

function eventMessage(definition: AnyEventDefinition, version: number, schema: JsonSchema | undefined): JsonSchema {
  if (schema === undefined) throw new Error(`asyncapi: no JSON Schema for ${messageIdOf(definition.type, version)}`);
  const current = version === definition.version;
  const lifecycle = current
    ? 'Current version.'
    : `Older version: still in the log; the catalog upcasts it to v${definition.version} on read.`;
  return {
    name: definition.type,
    title: `${definition.type} v${version}`,
    summary: lifecycle,
    ...(definition.description === undefined ? {} : { description: definition.description }),
    contentType: CONTENT_TYPE_JSON,
    headers: eventHeaders(definition.type, version),
    payload: { schemaFormat: PAYLOAD_SCHEMA_FORMAT, schema },
    correlationId: { description: 'The request or decision this event belongs to.', location: '$message.payload#/correlationId' },
    bindings: { kafka: { key: { type: 'string', minLength: 1, description: definition.keyRule }, bindingVersion: KAFKA_BINDING } },
    'x-espalier-version': version,
    'x-espalier-current-version': definition.version,
  };
}

function eventHeaders(type: string, version: number): JsonSchema {
  return {
    type: 'object',
    required: Object.values(EVENT_HEADERS),
    properties: {
      [EVENT_HEADERS.type]: { type: 'string', const: type, description: 'Equals the envelope `type`.' },
      [EVENT_HEADERS.version]: { type: 'string', const: String(version), description: 'Equals the envelope `version`, in decimal.' },
      [EVENT_HEADERS.eventId]: { type: 'string', format: 'uuid', description: 'Equals the envelope `eventId` (UUIDv7): de-duplicate by it.' },
      [EVENT_HEADERS.contentType]: { type: 'string', const: CONTENT_TYPE_JSON },
    },
  };
}

const DEAD_LETTER_MESSAGE = 'DeadLetter';

function deadLetterMessage(): JsonSchema {
  return {
    name: DEAD_LETTER_MESSAGE,
    title: 'Dead-lettered record',
    summary: "A source topic's record, moved here unchanged by the consumer that failed on it.",
    description:
      'The exact value and key of the original record (usually one of the source channel\'s events, but possibly bytes that are not an event at all), its original headers, and `espalier-dlq-*` headers saying which consumer failed, why, after how many attempts, and where the record was.',
    headers: {
      type: 'object',
      properties: { [EVENT_HEADERS.type]: { type: 'string' }, [EVENT_HEADERS.version]: { type: 'string' }, [EVENT_HEADERS.eventId]: { type: 'string' } },
      patternProperties: { '^espalier-dlq-': { type: 'string' } },
    },
    payload: { description: 'The original record value, byte for byte.' },
    bindings: { kafka: { key: { type: 'string', description: "The original record's key." }, bindingVersion: KAFKA_BINDING } },
  };
}
