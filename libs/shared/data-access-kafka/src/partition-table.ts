import { Partitioners, type Admin, type PartitionMetadata } from 'kafkajs';

/**
 * Chooses each record's partition before sending, with the same default
 * (murmur2, Java-compatible) partitioner the producer would use, so the
 * appender knows which records share a partition and can compute each
 * record's offset from the partition's base offset.
 */
export class PartitionTable {
  private readonly partitions = new Map<string, PartitionMetadata[]>();
  private readonly partitioner = Partitioners.DefaultPartitioner();

  constructor(private readonly admin: Admin) {}

  async partitionFor(topic: string, key: string): Promise<number> {
    const partitionMetadata = await this.metadata(topic);
    return this.partitioner({ topic, partitionMetadata, message: { key, value: null } });
  }

  /** Forget cached metadata, e.g. after a send failed: the topic may have changed. */
  invalidate(): void {
    this.partitions.clear();
  }

  private async metadata(topic: string): Promise<PartitionMetadata[]> {
    const known = this.partitions.get(topic);
    if (known) return known;
    const { topics } = await this.admin.fetchTopicMetadata({ topics: [topic] });
    const found = topics.find((t) => t.name === topic);
    if (!found || found.partitions.length === 0) {
      throw new Error(`appending to ${topic}: topic does not exist (provision topics first)`);
    }
    this.partitions.set(topic, found.partitions);
    return found.partitions;
  }
}
