import type { ConsumedRecord, LogRecord } from '@espalier/contracts/event-log';
import { dlqTopicOf } from '@espalier/contracts/events';

export interface DeadLetterReason {
  readonly error: unknown;
  readonly attempts: number;
  readonly consumer: string;
  readonly at: Date;
}

/**
 * The dead-lettered record keeps the original key and exact bytes, so it can
 * be inspected and re-published unchanged; why and where it failed travels in
 * headers.
 */
export function deadLetterRecord(record: ConsumedRecord, reason: DeadLetterReason): LogRecord {
  const err = reason.error instanceof Error ? reason.error : new Error(String(reason.error));
  return {
    topic: dlqTopicOf(record.topic),
    key: record.key ?? '',
    value: record.value ?? Buffer.alloc(0),
    headers: {
      ...record.headers,
      'espalier-dlq-error': err.message.slice(0, 2_000),
      'espalier-dlq-error-class': err.name,
      'espalier-dlq-original-topic': record.topic,
      'espalier-dlq-original-partition': String(record.partition),
      'espalier-dlq-original-offset': record.offset,
      'espalier-dlq-consumer': reason.consumer,
      'espalier-dlq-attempts': String(reason.attempts),
      'espalier-dlq-at': reason.at.toISOString(),
    },
  };
}
