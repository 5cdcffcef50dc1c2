import type { Admin } from 'kafkajs';
import type { TopicSpec } from '@espalier/contracts/event-log';
import type { KafkaLogger } from './kafka-client';

/**
 * The log is the source of truth: its topics never expire records. Events
 * carry exact request bytes (base64, so 4/3 of a body up to the 10 MiB
 * default body limit): records up to 16 MiB are accepted, above the broker's
 * 1 MiB default.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
const TOPIC_CONFIG = [
  { name: 'retention.ms', value: '-1' },
  { name: 'retention.bytes', value: '-1' },
  { name: 'max.message.bytes', value: String(MAX_RECORD_BYTES) },
];

/**
 * Creates missing topics and enforces the log's topic settings (retention,
 * record size) on existing ones.
 * Safe to run from every replica at every start: creation races end in
 * "already exists", which is success. An existing topic with another
 * partition count is left alone (re-partitioning would break per-device
 * ordering), but logged.
 */
export async function provisionTopics(admin: Admin, specs: readonly TopicSpec[], logger: KafkaLogger): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = specs.filter((s) => !existing.has(s.topic));
  if (missing.length > 0) {
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((s) => ({ topic: s.topic, numPartitions: s.partitions, replicationFactor: -1, configEntries: TOPIC_CONFIG })),
      });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }
  const present = specs.filter((s) => existing.has(s.topic));
  if (present.length === 0) return;
  await admin.alterConfigs({
    validateOnly: false,
    resources: present.map((s) => ({ type: 2 /* TOPIC */, name: s.topic, configEntries: TOPIC_CONFIG })),
  });
  const { topics } = await admin.fetchTopicMetadata({ topics: present.map((s) => s.topic) });
  for (const t of topics) {
    const wanted = specs.find((s) => s.topic === t.name)?.partitions;
    if (wanted !== undefined && wanted !== t.partitions.length) {
      logger.warn({ topic: t.name, partitions: t.partitions.length, configured: wanted }, 'provisioning: topic keeps its existing partition count');
    }
  }
}

function isAlreadyExists(error: unknown): boolean {
  const e = error as { type?: string; errors?: { type?: string }[] } | null;
  if (e?.type === 'TOPIC_ALREADY_EXISTS') return true;
  return Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every((x) => x.type === 'TOPIC_ALREADY_EXISTS');
}
