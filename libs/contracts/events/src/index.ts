export { ALL_TOPICS, TOPIC_DESCRIPTIONS, TOPICS, dlqTopicOf } from './topics';
export type { DlqTopic, Topic } from './topics';
export {
  base64Schema,
  certificateUseSchema,
  encryptedSecretSchema,
  enrollmentTypeSchema,
  hexBytesSchema,
  idSchema,
  isoDateTimeSchema,
  rawBytesSchema,
  sha256HexSchema,
} from './primitives.schema';
export type { CertificateUse, EncryptedSecret, EnrollmentType } from './primitives.schema';
export { EVENT_SOURCES, eventSourceSchema } from './envelope.schema';
export type { EventEnvelope, EventMeta, EventSource, MetaFor, SubjectField } from './envelope.schema';
export { EventDecodeError, EventEncodeError } from './event.errors';
export { defaultKey, defineEvent, upcaster } from './define-event';
export type { AnyEventDefinition, EnvelopeOf, EventDefinition, EventDefinitionInput, UpcastStep } from './define-event';
export { CONTENT_TYPE_JSON, createCatalog, EVENT_HEADERS } from './catalog';
export type { EncodedEvent, EventCatalog, JsonSchema, JsonSchemaTarget } from './catalog';
export type { HeaderValue, IncomingMessage } from './event-decoder';
export * from './enrollment.events';
export * from './enrollment-activity.events';
export * from './command.events';
export * from './push.events';
export { ASYNCAPI_VERSION, asyncApiDocument, messageIdOf, PAYLOAD_SCHEMA_FORMAT, receiveOperationIdOf } from './asyncapi';
export type { AsyncApiDocument, AsyncApiInfo } from './asyncapi';
export { checkGoldenFixtures, goldenFixtureName, goldenFixtureOf } from './golden-fixtures';
export type { GoldenFixture, GoldenProblem } from './golden-fixtures';
export { createEvent, decodeEvent, encodeEvent, eventCatalog, eventDefinitions } from './event-catalog';
export type { EspalierEvent, EspalierEventType, EventData, EventOf } from './event-catalog';
