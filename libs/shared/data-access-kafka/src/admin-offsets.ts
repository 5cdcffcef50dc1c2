import type { Admin } from 'kafkajs';
import type { CommittedOffset, PartitionEnd } from '@espalier/contracts/event-log';

/** Each partition's log start and end (high watermark), by partition number. */
export async function topicEnds(admin: Admin, topic: string): Promise<PartitionEnd[]> {
  const offsets = await lookUpOffsets(admin, topic);
  return offsets.map((o) => ({ partition: o.partition, high: o.high, low: o.low })).sort((a, b) => a.partition - b.partition);
}

/**
 * What a group committed: on the given topics (every partition, null where
 * nothing was committed), or on every topic it committed to when none are
 * given. Read-only: kafkajs' `resolveOffsets` would write offsets, so it is
 * never used here.
 */
export async function committedOffsets(admin: Admin, groupId: string, topics?: readonly string[]): Promise<CommittedOffset[]> {
  const answer = await retryRetriable(() => admin.fetchOffsets({ groupId, ...(topics ? { topics: [...topics] } : {}) }));
  return answer
    .flatMap(({ topic, partitions }) => partitions.map((p) => ({ topic, partition: p.partition, offset: BigInt(p.offset) < 0n ? null : p.offset })))
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
}

/**
 * kafkajs' admin can lose a topic's answer when two topics' offsets are
 * looked up at once (its metadata, shared by both lookups, is refreshed in
 * between: "Cannot destructure property 'partitions' of 'high.pop(...)'").
 * Serialising the lookups would put two round trips on every fenced
 * request; the race is rare, so such a lookup is simply asked again.
 */
async function lookUpOffsets(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await retryRetriable(() => admin.fetchTopicOffsets(topic));
    } catch (error) {
      const lostAnswer = error instanceof TypeError && /of '(?:high|low)\.pop\(\.\.\.\)'/.test(error.message);
      if (!lostAnswer || attempt >= 5) throw error;
    }
  }
}

/**
 * Right after a topic is created, or while leadership moves, the broker
 * answers retriable errors ("not the leader for that topic-partition") that
 * kafkajs' admin does not retry for offset lookups: retry those briefly.
 */
async function retryRetriable<T>(fn: () => Promise<T>, attempts = 20, delayMs = 250): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || (error as { retriable?: boolean }).retriable !== true) throw error;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
