// Kafka topics. Retention is infinite: the log is the source of truth (ARCHITECTURE §2).
export const TOPICS = {
  enrollment: 'mdm.enrollment',
  command: 'mdm.command',
  push: 'mdm.push',
} as const;

export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
export type DlqTopic = `${Topic}.dlq`;

export const ALL_TOPICS: readonly Topic[] = Object.freeze(Object.values(TOPICS));

/** What each topic carries, for subscribers (the AsyncAPI document's channel descriptions). */
export const TOPIC_DESCRIPTIONS: Readonly<Record<Topic, string>> = {
  'mdm.enrollment': 'Check-ins and enrollment facts, written by the check-in service: Authenticate, TokenUpdate, CheckOut, bootstrap tokens, last-seen markers.',
  'mdm.command': 'Command queues: submissions from the API, per-enrollment queueing and rejections, deliveries and the devices\' reports (command results).',
  'mdm.push': 'APNs pushes: push requests and certificate uploads from the API, and each push\'s outcome.',
};

const DLQ_SUFFIX = '.dlq';

/** The dead-letter topic for events a consumer of `topic` cannot decode or apply. */
export function dlqTopicOf<T extends string>(topic: T): `${T}.dlq` {
  if (topic.length === 0) throw new Error('dead-letter topic: empty topic name');
  if (topic.endsWith(DLQ_SUFFIX)) throw new Error(`dead-letter topic of "${topic}": already a dead-letter topic`);
  return `${topic}${DLQ_SUFFIX}`;
}
