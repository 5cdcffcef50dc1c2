import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ConsumedBatch, LogRecord } from '@espalier/contracts/event-log';
import { createEvent, encodeEvent, TOPICS } from '@espalier/contracts/events';
import { createLogger } from '@espalier/shared/util-logging';
import { triggersOf } from './push-triggers';

const ID = { api: '0190d0a0-0000-7000-8000-000000000001', 'DEV:U': '0190d0a0-0000-7000-8000-000000000002', DEV: '0190d0a0-0000-7000-8000-000000000003' };
const operator = { eventId: ID.api, occurredAt: '2025-06-01T12:00:00.000Z', enrollmentId: null, deviceId: null, source: 'api' as const, correlationId: 'corr', causationId: null };
const meta = (enrollmentId: 'DEV' | 'DEV:U') => ({ ...operator, eventId: ID[enrollmentId], enrollmentId, deviceId: 'DEV', source: 'commands' as const });
const batch = (...records: LogRecord[]): ConsumedBatch => ({
  topic: TOPICS.command, partition: 0, records: records.map((r, i) => ({ ...r, topic: TOPICS.command, partition: 0, offset: String(i), timestamp: '0' })),
});

describe('triggersOf', () => {
  it('takes every ID of a PushRequested and each CommandQueued without nopush; skips the rest', () => {
    const logger = createLogger({ service: 'push', level: 'silent' });
    const records = batch(
      encodeEvent(createEvent('PushRequested', { enrollmentIds: ['A', 'B'] }, operator)),
      encodeEvent(createEvent('CommandQueued', { commandUuid: 'C1', requestType: 'DeviceInformation', noPush: false }, meta('DEV:U'))),
      encodeEvent(createEvent('CommandQueued', { commandUuid: 'C2', requestType: 'DeviceInformation', noPush: true }, meta('DEV'))),
      encodeEvent(createEvent('QueueCleared', { enrollmentIds: ['DEV'], reason: 'operator' }, meta('DEV'))),
    );
    assert.deepStrictEqual(triggersOf(records, logger), [
      { eventId: ID.api, correlationId: 'corr', enrollmentId: 'A', deviceId: null, kind: 'requested' },
      { eventId: ID.api, correlationId: 'corr', enrollmentId: 'B', deviceId: null, kind: 'requested' },
      { eventId: ID['DEV:U'], correlationId: 'corr', enrollmentId: 'DEV:U', deviceId: 'DEV', kind: 'queued' },
    ]);
  });

  it('logs and skips a trigger it cannot decode', () => {
    const logged: string[] = [];
    const logger = createLogger({ service: 'push', level: 'error', destination: { write: (line: string) => logged.push(line) > 0 } as NodeJS.WritableStream });
    const broken = { topic: TOPICS.command, key: 'DEV', value: Buffer.from('{not json'), headers: { 'espalier-type': 'CommandQueued', 'espalier-version': '1' } };
    assert.deepStrictEqual(triggersOf(batch(broken), logger), []);
    assert.match(logged.join(''), /undecodable trigger skipped/);
  });
});
