// The API's OpenAPI 3.1 document, served at GET /v1/openapi.json. A spec in libs/api/feature
// checks that it documents exactly the operations the router serves.

const json = (schema: object, description: string) => ({ description, content: { 'application/json': { schema } } });
const text = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const error = (description: string) => json(ref('Error'), description);
const basicAuth = [{ nanomdm: [] }];
const unauthorized = { '401': text('Wrong or missing credentials (user "nanomdm", password the -api key).') };
const idsParam = {
  name: 'ids', in: 'path', required: true, schema: { type: 'string' },
  description: 'Enrollment IDs separated by commas (`%2C` splits too); everything after the prefix, so an ID may contain `/`.',
};
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'Enrollment ID (percent-encoded).' };
const apiResult = {
  '200': json(ref('APIResult'), 'Every ID succeeded.'),
  '207': json(ref('APIResult'), 'Some IDs failed.'),
  '500': json(ref('APIResult'), 'All IDs failed, or a top-level error (push_error / command_error).'),
};
const timestamp = { type: 'string', format: 'date-time' };

export function openApiDocument(version: string): object {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Espalier API',
      version,
      description:
        "NanoMDM's API (same paths, bodies, status codes and JSON layout), plus read APIs NanoMDM lacks. " +
        'Push outcomes not known within -push-wait are answered {} for their ID; they follow as PushSent/PushFailed events on mdm.push.',
    },
    components: {
      securitySchemes: { nanomdm: { type: 'http', scheme: 'basic' } },
      schemas: {
        Error: { type: 'object', properties: { error: { type: 'string' } }, required: ['error'] },
        PushCert: { type: 'object', properties: { not_after: timestamp, topic: { type: 'string' } }, required: ['not_after', 'topic'] },
        IdResult: {
          type: 'object',
          properties: { push_error: { type: 'string' }, push_result: { type: 'string', description: 'apns-id' }, command_error: { type: 'string' } },
        },
        APIResult: {
          type: 'object',
          description: 'Keys in this order, empty ones omitted; status keys sorted.',
          properties: {
            status: { type: 'object', additionalProperties: ref('IdResult') },
            no_push: { type: 'boolean' },
            push_error: { type: 'string' },
            command_error: { type: 'string' },
            command_uuid: { type: 'string' },
            request_type: { type: 'string' },
          },
        },
        Enrollment: {
          type: 'object',
          properties: {
            id: { type: 'string' }, device_id: { type: 'string' }, parent_id: { type: ['string', 'null'] },
            type: { type: 'string', enum: ['Device', 'User', 'User Enrollment (Device)', 'User Enrollment', 'Shared iPad'] },
            user_short_name: { type: ['string', 'null'] }, enabled: { type: 'boolean' }, token_update_tally: { type: 'integer' },
            push_topic: { type: 'string' }, enrolled_at: timestamp, last_seen_at: timestamp,
            cert_hash: { type: ['string', 'null'], description: 'SHA-256 of the identity certificate last used.' },
          },
        },
        QueuedCommand: {
          type: 'object',
          properties: {
            command_uuid: { type: 'string' }, request_type: { type: 'string' }, queued_at: timestamp,
            status: { type: ['string', 'null'], description: 'null while pending, NotNow once deferred.' }, not_now_count: { type: 'integer' },
          },
        },
        HistoryEvent: {
          type: 'object',
          description: 'One event of the log about the enrollment, in its current schema version.',
          properties: {
            event_id: { type: 'string', format: 'uuid' }, type: { type: 'string' }, version: { type: 'integer' }, occurred_at: timestamp,
            source: { type: 'string', enum: ['checkin', 'commands', 'push', 'api'] }, correlation_id: { type: 'string' }, causation_id: { type: ['string', 'null'] },
            log: {
              type: 'object', description: 'Where the whole record is in the event log.',
              properties: { topic: { type: 'string' }, partition: { type: 'integer' }, offset: { type: 'string', description: 'int64 as a decimal string.' } },
            },
            data: { type: 'object', description: "The event's data without secrets, push credentials or request bytes; a many-target event shows enrollmentCount." },
            withheld: { type: 'array', items: { type: 'string' }, description: 'Data keys the log record has and this view does not show.' },
          },
        },
        CommandResult: {
          type: 'object',
          properties: {
            enrollment_id: { type: 'string' }, queued_at: timestamp, status: { type: ['string', 'null'] }, not_now_count: { type: 'integer' },
            reported_at: { type: ['string', 'null'], format: 'date-time' },
            result: { type: ['string', 'null'], contentEncoding: 'base64', description: 'The latest report, exact bytes.' },
          },
        },
      },
    },
    paths: {
      '/v1/pushcert': {
        get: {
          summary: "Read a topic's push certificate expiry", security: basicAuth,
          parameters: [{ name: 'topic', in: 'query', required: true, schema: { type: 'string' } }],
          responses: { '200': json(ref('PushCert'), 'Stored.'), '400': error('No topic.'), '500': error('None stored (NanoMDM answers 500, not 404).'), ...unauthorized },
        },
        put: {
          summary: 'Upload an APNs push certificate and its unencrypted private key (PEM, any order)', security: basicAuth,
          requestBody: { required: true, content: { 'application/x-pem-file': { schema: { type: 'string' } } } },
          responses: { '200': json(ref('PushCert'), 'Stored under its topic.'), '400': error('Not a usable certificate and key.'), '413': error('Body over -body-limit.'), '500': error('Not stored.'), ...unauthorized },
        },
      },
      '/v1/push/{ids}': {
        get: { summary: 'Push enrollments (any method)', security: basicAuth, parameters: [idsParam], responses: { ...apiResult, ...unauthorized } },
      },
      '/v1/enqueue/{ids}': {
        put: {
          summary: 'Enqueue a raw command plist, stored and served byte-for-byte (any method); empty body: push only', security: basicAuth,
          parameters: [idsParam, { name: 'nopush', in: 'query', schema: { type: 'string' }, description: 'Any non-empty value: do not push.' }],
          requestBody: { content: { 'application/x-apple-aspen-mdm': { schema: { type: 'string' } }, 'application/xml': { schema: { type: 'string' } } } },
          responses: { ...apiResult, '413': json(ref('APIResult'), 'Body over -body-limit.'), ...unauthorized },
        },
      },
      '/v1/escrowkeyunlock': {
        post: {
          summary: "Apple's Activation Lock bypass, with the topic's push certificate", security: basicAuth,
          requestBody: {
            required: true,
            content: {
              'application/x-www-form-urlencoded': {
                schema: {
                  type: 'object',
                  properties: Object.fromEntries(['topic', 'serial', 'productType', 'orgName', 'guid', 'escrowKey', 'imei', 'imei2', 'meid'].map((k) => [k, { type: 'string' }])),
                  required: ['topic', 'serial', 'productType', 'orgName', 'guid', 'escrowKey'],
                },
              },
            },
          },
          responses: { default: text("Apple's status and body."), '400': error('Missing parameters or topic.'), '500': error('No certificate, or Apple not reachable.'), ...unauthorized },
        },
      },
      '/v1/enrollments': {
        get: {
          summary: 'List enrollments, in ID order', security: basicAuth,
          parameters: [
            { name: 'type', in: 'query', schema: { type: 'string' } },
            { name: 'enabled', in: 'query', schema: { type: 'boolean' } },
            { name: 'topic', in: 'query', schema: { type: 'string' } },
            { name: 'seen_since', in: 'query', schema: timestamp },
            { name: 'seen_before', in: 'query', schema: timestamp },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page.' },
          ],
          responses: {
            '200': json({ type: 'object', properties: { enrollments: { type: 'array', items: ref('Enrollment') }, next_cursor: { type: ['string', 'null'] } } }, 'A page.'),
            '400': error('A bad parameter, named.'),
            ...unauthorized,
          },
        },
      },
      '/v1/enrollments/{id}': {
        get: { summary: 'One enrollment (never secrets)', security: basicAuth, parameters: [idParam], responses: { '200': json(ref('Enrollment'), 'Found.'), '404': error('Unknown.'), ...unauthorized } },
      },
      '/v1/enrollments/{id}/queue': {
        get: {
          summary: 'Commands the enrollment will still be sent, in order', security: basicAuth, parameters: [idParam],
          responses: {
            '200': json({ type: 'object', properties: { enrollment_id: { type: 'string' }, commands: { type: 'array', items: ref('QueuedCommand') } } }, 'Its queue.'),
            '404': error('Unknown.'),
            ...unauthorized,
          },
        },
        delete: {
          summary: 'Clear the queue (pending and NotNow commands are not sent)', security: basicAuth, parameters: [idParam],
          responses: { '200': json({ type: 'object', properties: { enrollment_id: { type: 'string' }, cleared: { type: 'boolean' } } }, 'Cleared.'), '404': error('Unknown.'), ...unauthorized },
        },
      },
      '/v1/enrollments/{id}/events': {
        get: {
          summary: "The enrollment's event history from the log (check-ins, commands, reports, pushes, clears), oldest first", security: basicAuth,
          parameters: [
            idParam,
            { name: 'type', in: 'query', schema: { type: 'string' }, description: 'Only these event types, comma-separated.' },
            { name: 'since', in: 'query', schema: timestamp },
            { name: 'order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'], default: 'asc' } },
            { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
            { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'next_cursor of the previous page.' },
          ],
          responses: {
            '200': json({ type: 'object', properties: { enrollment_id: { type: 'string' }, events: { type: 'array', items: ref('HistoryEvent') }, next_cursor: { type: ['string', 'null'] } } }, 'A page.'),
            '400': error('A bad parameter, named.'),
            '404': error('No event about this ID.'),
            ...unauthorized,
          },
        },
      },
      '/v1/commands': {
        post: {
          summary: "A command as JSON, checked against Apple's command schema and sent as its plist", security: basicAuth,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  description:
                    "The command's keys (Apple's names, e.g. Message for DeviceLock; data as base64, dates as RFC 3339) beside these. " +
                    'Exactly one of enrollment_ids and selector.',
                  properties: {
                    request_type: { type: 'string', examples: ['DeviceLock'] },
                    command_uuid: { type: 'string', description: 'Default: a new UUID.' },
                    enrollment_ids: { type: 'array', items: { type: 'string' } },
                    selector: {
                      oneOf: [
                        { type: 'object', properties: { all: { const: true } }, required: ['all'] },
                        { type: 'object', properties: { topic: { type: 'string' } }, required: ['topic'] },
                        { type: 'object', properties: { type: { type: 'string' } }, required: ['type'] },
                      ],
                    },
                    no_push: { type: 'boolean', default: false },
                  },
                  required: ['request_type'],
                  additionalProperties: true,
                },
              },
            },
          },
          responses: {
            '201': json({ type: 'object', properties: { command_uuid: { type: 'string' }, request_type: { type: 'string' }, enrollments: { type: 'integer' }, no_push: { type: 'boolean' }, queued: { const: true } } }, 'Queued for every target.'),
            '202': json({ type: 'object' }, 'In the log; the commands service had not decided within -catch-up-timeout.'),
            '400': json({ type: 'object', properties: { error: { type: 'string' }, errors: { type: 'array', items: { type: 'string' } } } }, 'Invalid JSON or command; each error names its field.'),
            '404': error('An unknown enrollment ID, or a selector matching none.'),
            '409': error('The CommandUUID was used before.'),
            '413': error('Body over -body-limit.'),
            ...unauthorized,
          },
        },
      },
      '/v1/commands/{uuid}': {
        get: {
          summary: "A command's status and latest result per enrollment", security: basicAuth,
          parameters: [{ name: 'uuid', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            '200': json({ type: 'object', properties: { command_uuid: { type: 'string' }, request_type: { type: 'string' }, enrollments: { type: 'array', items: ref('CommandResult') } } }, 'Found.'),
            '404': error('Never submitted.'),
            ...unauthorized,
          },
        },
      },
      '/version': {
        get: { summary: 'Build version (any method, no auth)', responses: { '200': json({ type: 'object', properties: { version: { type: 'string' } } }, '{"version":"…"} without a newline.') } },
      },
      '/migration': {
        put: {
          summary: 'A check-in from another server, without device certificate (with -migration; served by the check-in service)', security: basicAuth,
          requestBody: { required: true, content: { 'application/x-apple-aspen-mdm-checkin': { schema: { type: 'string' } } } },
          responses: { '200': text('As a device check-in.'), '400': text('Not a check-in.'), '404': text('Without -migration.'), ...unauthorized },
        },
      },
      '/v1/openapi.json': { get: { summary: 'This document', responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1.') } } },
    },
  };
}
