// Where a consumer group starts. Kafka keeps a group's committed offsets, so this matters only
// for a group with none (a new group): kafkajs' fromBeginning picks the oldest or the newest
// record; `--since` commits, before the group is joined, the first offset at or after a time.
import type { Admin } from 'kafkajs';

export type StartPosition = { readonly from: 'beginning' | 'end' } | { readonly from: 'time'; readonly since: Date };

/**
 * For `since`: sets the group's offsets on every partition of `topics` to the first record
 * written at or after that time (the end of a partition with none). Kafka refuses this while the
 * group has running members, so do it before they join.
 */
export async function commitStartOffsets(admin: Admin, groupId: string, topics: readonly string[], since: Date): Promise<void> {
  // One lookup at a time: kafkajs' admin can lose an answer when two topics' lookups overlap.
  for (const topic of topics) {
    const partitions = await admin.fetchTopicOffsetsByTimestamp(topic, since.getTime());
    await admin.setOffsets({ groupId, topic, partitions: partitions.map(({ partition, offset }) => ({ partition, offset })) });
  }
}
