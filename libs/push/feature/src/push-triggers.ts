import type { ConsumedBatch } from '@espalier/contracts/event-log';
import { decodeEvent, type EventOf } from '@espalier/contracts/events';
import type { PushTrigger } from '@espalier/push/domain';
import type { Logger } from '@espalier/shared/util-logging';

const TRIGGER_TYPES = new Set(['PushRequested', 'CommandQueued']);

/**
 * The push triggers in a batch of mdm.push or mdm.command: every enrollment
 * an operator asked to push, and every queued command unless its submission
 * said nopush. Other events are skipped by header, without decoding.
 */
export function triggersOf(batch: ConsumedBatch, logger: Logger): PushTrigger[] {
  const triggers: PushTrigger[] = [];
  for (const record of batch.records) {
    if (!TRIGGER_TYPES.has(record.headers['espalier-type'] ?? '')) continue;
    let event: EventOf<'PushRequested'> | EventOf<'CommandQueued'>;
    try {
      event = decodeEvent({ value: record.value, headers: record.headers }) as EventOf<'PushRequested'> | EventOf<'CommandQueued'>;
    } catch (error) {
      // The record is dead-lettered by the projections that read it; nothing can be pushed from it.
      logger.error({ err: error, topic: record.topic, partition: record.partition, offset: record.offset }, 'push: undecodable trigger skipped');
      continue;
    }
    const common = { eventId: event.eventId, correlationId: event.correlationId };
    if (event.type === 'PushRequested') {
      for (const enrollmentId of event.data.enrollmentIds) triggers.push({ ...common, enrollmentId, deviceId: null, kind: 'requested' });
    } else if (!event.data.noPush) {
      triggers.push({ ...common, enrollmentId: event.enrollmentId, deviceId: event.deviceId, kind: 'queued' });
    }
  }
  return triggers;
}
