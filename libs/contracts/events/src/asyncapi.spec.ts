import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ASYNCAPI_VERSION, asyncApiDocument, messageIdOf, PAYLOAD_SCHEMA_FORMAT } from './asyncapi';
import { encodeEvent, eventCatalog, eventDefinitions } from './event-catalog';
import { buildEvent } from './event.fixtures';
import { ALL_TOPICS, dlqTopicOf } from './topics';

type Json = Record<string, unknown>;
type Ref = { $ref: string };

const doc = asyncApiDocument(eventCatalog, { title: 'Espalier events', version: '0.1.0' }) as unknown as {
  asyncapi: string;
  info: Json;
  channels: Record<string, { address: string; messages: Record<string, Ref> }>;
  operations: Record<string, { action: string; channel: Ref; messages: Ref[] }>;
  components: { messages: Record<string, Json> };
};

// AsyncAPI 3.0 §Components / §Channels: keys of these maps must match this.
const COMPONENT_KEY = /^[a-zA-Z0-9.\-_]+$/;

/** Resolves a local JSON pointer (`#/a/b~1c`) in the document, or undefined. */
function resolve(ref: string): unknown {
  assert.ok(ref.startsWith('#/'), `only local references: ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce<unknown>((node, part) => (node !== null && typeof node === 'object' ? (node as Json)[part] : undefined), doc);
}

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((child) => refsIn(child, out));
  else if (node !== null && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else refsIn(value, out);
    }
  }
  return out;
}

describe('AsyncAPI document', () => {
  it('has the fields AsyncAPI 3.0 requires', () => {
    assert.equal(doc.asyncapi, ASYNCAPI_VERSION);
    assert.equal(ASYNCAPI_VERSION, '3.0.0');
    assert.equal(typeof doc.info.title, 'string');
    assert.equal(typeof doc.info.version, 'string');
    for (const map of [doc.channels, doc.operations, doc.components.messages]) {
      for (const key of Object.keys(map)) assert.match(key, COMPONENT_KEY);
    }
    for (const [id, operation] of Object.entries(doc.operations)) {
      assert.ok(['send', 'receive'].includes(operation.action), `${id}: action`);
      assert.ok(operation.channel.$ref.startsWith('#/channels/'), `${id}: channel is a reference`);
      // §Operation: its messages must be the channel's own.
      for (const message of operation.messages) assert.ok(message.$ref.startsWith(`${operation.channel.$ref}/messages/`), `${id}: ${message.$ref}`);
    }
  });

  it('resolves every $ref', () => {
    const refs = refsIn(doc);
    assert.ok(refs.length > 0);
    for (const ref of refs) assert.notEqual(resolve(ref), undefined, ref);
  });

  it('has a channel and a receive operation per topic and per dead-letter topic', () => {
    const topics = ALL_TOPICS.flatMap((topic) => [topic, dlqTopicOf(topic)]);
    assert.deepEqual(Object.keys(doc.channels).sort(), [...topics].sort());
    for (const topic of topics) {
      assert.equal(doc.channels[topic].address, topic);
      assert.equal(doc.operations[`receive.${topic}`]?.channel.$ref, `#/channels/${topic}`);
    }
  });

  it('has every version of every catalog event on its topic, with the catalog schema, key rule and headers', () => {
    const schemas = eventCatalog.jsonSchemas({ target: 'draft-7' });
    for (const definition of eventDefinitions) {
      for (let version = 1; version <= definition.version; version++) {
        const id = messageIdOf(definition.type, version);
        assert.deepEqual(doc.channels[definition.topic].messages[id], { $ref: `#/components/messages/${id}` }, id);
        assert.ok(doc.operations[`receive.${definition.topic}`].messages.some((m) => m.$ref.endsWith(`/messages/${id}`)), id);
        const message = doc.components.messages[id] as {
          name: string;
          payload: { schemaFormat: string; schema: Json };
          headers: { properties: Record<string, { const?: string }> };
          bindings: { kafka: { key: { description: string } } };
        };
        assert.equal(message.name, definition.type);
        assert.equal(message.payload.schemaFormat, PAYLOAD_SCHEMA_FORMAT);
        assert.deepEqual(message.payload.schema, schemas[id]);
        assert.equal(message.headers.properties['espalier-type'].const, definition.type);
        assert.equal(message.headers.properties['espalier-version'].const, String(version));
        assert.equal(message.bindings.kafka.key.description, definition.keyRule);
      }
    }
    const eventMessages = Object.keys(doc.components.messages).filter((id) => id !== 'DeadLetter');
    assert.equal(eventMessages.length, eventDefinitions.reduce((n, d) => n + d.version, 0), 'no message without a catalog event');
  });

  it('declares the headers the encoder really writes', () => {
    const encoded = encodeEvent(buildEvent('TokenUpdated'));
    const headers = doc.components.messages['TokenUpdated.v1'].headers as { required: string[]; properties: Record<string, { const?: string }> };
    assert.deepEqual([...headers.required].sort(), Object.keys(encoded.headers).sort());
    for (const [name, value] of Object.entries(encoded.headers)) {
      const expected = headers.properties[name].const;
      if (expected !== undefined) assert.equal(value, expected, name);
    }
  });

  it('payload schemas are the docs/events schemas: draft-07 and 2020-12 renderings differ only in $schema', () => {
    const draft7 = eventCatalog.jsonSchemas({ target: 'draft-7' });
    const draft2020 = eventCatalog.jsonSchemas();
    for (const [id, schema] of Object.entries(draft2020)) {
      const { $schema: a, ...rest2020 } = schema;
      const { $schema: b, ...rest7 } = draft7[id];
      assert.deepEqual(rest7, rest2020, id);
      assert.equal(a, 'https://json-schema.org/draft/2020-12/schema');
      assert.equal(b, 'http://json-schema.org/draft-07/schema#');
    }
  });
});
