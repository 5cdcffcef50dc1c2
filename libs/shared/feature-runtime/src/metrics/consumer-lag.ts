import { lagOf, type CommittedOffset, type PartitionEnd } from '@espalier/contracts/event-log';
import type { MetricFamily, Sample } from './prometheus-text';

/** Where one consumer group of this service stands, as read at one scrape. */
export interface GroupReading {
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where the group starts on a partition it never committed (a new group). */
  readonly fromBeginning: boolean;
  readonly committed: readonly CommittedOffset[];
  /** For a projection's group: its PostgreSQL checkpoints (last offset applied, per "topic/partition"). */
  readonly projection?: { readonly name: string; readonly checkpoints: ReadonlyMap<string, bigint> };
}

export interface LagReading {
  readonly ends: ReadonlyMap<string, readonly PartitionEnd[]>;
  readonly groups: readonly GroupReading[];
}

/**
 * The next offset a group processes on a partition. A projection's is its
 * checkpoint + 1: the checkpoint commits with the rows, so it is the truth
 * (the committed Kafka offset follows it, up to a commit interval later, and
 * may even be ahead of a restored database). Other groups have only their
 * committed offset; without one, a new group starts at the log start or end.
 */
export function positionOf(group: GroupReading, topic: string, end: PartitionEnd): string {
  if (group.projection) return ((group.projection.checkpoints.get(`${topic}/${end.partition}`) ?? -1n) + 1n).toString();
  const committed = group.committed.find((c) => c.topic === topic && c.partition === end.partition)?.offset;
  return committed ?? (group.fromBeginning ? end.low : end.high);
}

/** The lag families of one scrape. */
export function lagFamilies(reading: LagReading): MetricFamily[] {
  const ends: Sample[] = [];
  for (const [topic, partitions] of reading.ends) {
    for (const end of partitions) ends.push({ labels: { topic, partition: String(end.partition) }, value: BigInt(end.high) });
  }
  const lag: Sample[] = [];
  const committed: Sample[] = [];
  const checkpoints: Sample[] = [];
  for (const group of reading.groups) {
    for (const topic of group.topics) {
      for (const end of reading.ends.get(topic) ?? []) {
        const labels = { group: group.groupId, topic, partition: String(end.partition) };
        lag.push({ labels, value: lagOf(end, positionOf(group, topic, end)) });
        const checkpoint = group.projection?.checkpoints.get(`${topic}/${end.partition}`);
        if (group.projection) checkpoints.push({ labels: { projection: group.projection.name, topic, partition: labels.partition }, value: checkpoint ?? -1n });
      }
    }
    for (const c of group.committed) {
      if (c.offset !== null) committed.push({ labels: { group: group.groupId, topic: c.topic, partition: String(c.partition) }, value: BigInt(c.offset) });
    }
  }
  return [
    {
      name: 'espalier_consumer_lag',
      help: "Records a consumer group of this service has yet to process: log end minus its position. A projection's position is its PostgreSQL checkpoint + 1 (the truth); other groups' is their committed Kafka offset.",
      type: 'gauge',
      samples: lag,
    },
    { name: 'espalier_consumer_committed_offset', help: 'The next offset the group will read, as committed to Kafka (absent before its first commit).', type: 'gauge', samples: committed },
    { name: 'espalier_projection_checkpoint_offset', help: 'The last offset a projection applied, from its PostgreSQL checkpoint (-1: none yet).', type: 'gauge', samples: checkpoints },
    { name: 'espalier_log_end_offset', help: 'The log end offset (high watermark): the offset the next record appended to the partition gets.', type: 'gauge', samples: ends },
  ];
}
