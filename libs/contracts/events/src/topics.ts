// Kafka topics. Retention is infinite: the log is the source of truth (ARCHITECTURE §2).
export const TOPICS = {
  enrollment: 'mdm.enrollment',
  command: 'mdm.command',
  push: 'mdm.push',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
export type DlqTopic = `${Topic}.dlq`;

export const ALL_TOPICS: readonly Topic[] = Object.freeze(Object.values(TOPICS));

const DLQ_SUFFIX = '.dlq';

/** The dead-letter topic for events a consumer of `topic` cannot decode or apply. */
export function dlqTopicOf<T extends string>(topic: T): `${T}.dlq` {
  if (topic.length === 0) throw new Error('dead-letter topic: empty topic name');
  if (topic.endsWith(DLQ_SUFFIX)) throw new Error(`dead-letter topic of "${topic}": already a dead-letter topic`);
  return `${topic}${DLQ_SUFFIX}`;
}
