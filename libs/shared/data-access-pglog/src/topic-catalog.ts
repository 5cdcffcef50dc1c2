import type { Pool } from 'pg';
import { Partitioners, type PartitionMetadata } from 'kafkajs';
import type { TopicSpec } from '@espalier/contracts/event-log';

export interface CatalogLogger {
  warn(obj: object, msg: string): void;
}

/**
 * The topics of the embedded log and their partition counts, cached (a
 * topic's partition count never changes once created). Keys choose
 * partitions with kafkajs' default partitioner (murmur2, as Kafka's Java
 * client), the one the Kafka adapter uses: a key lands on the same partition
 * number in both logs for the same partition count.
 */
export class TopicCatalog {
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  /** Creates missing topics with their partitions; existing topics keep their partition count (logged when it differs). */
  async provision(specs: readonly TopicSpec[], logger: CatalogLogger): Promise<void> {
    for (const spec of specs) {
      if (!Number.isInteger(spec.partitions) || spec.partitions <= 0) throw new Error(`provisioning ${spec.topic}: partitions must be a positive integer`);
    }
    const { rows } = await this.pool.query<{ topic: string; partitions: number }>(
      `WITH wanted AS (SELECT * FROM unnest($1::text[], $2::int[]) AS w(topic, partitions)),
            created AS (INSERT INTO ${this.schema}.topics (topic, partitions) SELECT topic, partitions FROM wanted ON CONFLICT (topic) DO NOTHING RETURNING topic, partitions),
            numbered AS (INSERT INTO ${this.schema}.partitions (topic, partition) SELECT c.topic, p FROM created c, generate_series(0, c.partitions - 1) AS p RETURNING topic)
       SELECT t.topic, t.partitions FROM ${this.schema}.topics t JOIN wanted USING (topic)
       UNION ALL SELECT topic, partitions FROM created`,
      [specs.map((s) => s.topic), specs.map((s) => s.partitions)],
    );
    for (const row of rows) this.counts.set(row.topic, row.partitions);
    for (const spec of specs) {
      const actual = this.counts.get(spec.topic);
      if (actual !== undefined && actual !== spec.partitions) {
        logger.warn({ topic: spec.topic, partitions: actual, configured: spec.partitions }, 'provisioning: topic keeps its existing partition count');
      }
    }
  }

  async partitionsOf(topic: string): Promise<number> {
    const known = this.counts.get(topic);
    if (known !== undefined) return known;
    const { rows } = await this.pool.query<{ partitions: number }>(`SELECT partitions FROM ${this.schema}.topics WHERE topic = $1`, [topic]);
    if (rows.length === 0) throw new Error(`event log: topic ${topic} does not exist (provision topics first)`);
    this.counts.set(topic, rows[0].partitions);
    return rows[0].partitions;
  }

  async partitionFor(topic: string, key: string): Promise<number> {
    return partitionOfKey(key, await this.partitionsOf(topic));
  }

  /** Synchronous when the count is cached (the appender's hot path). */
  partitionForKnown(topic: string, key: string): number | undefined {
    const count = this.counts.get(topic);
    return count === undefined ? undefined : partitionOfKey(key, count);
  }
}

const metadataCache = new Map<number, PartitionMetadata[]>();
const defaultPartitioner = Partitioners.DefaultPartitioner();

/** kafkajs' default (murmur2) choice for a key among `count` partitions. */
export function partitionOfKey(key: string, count: number): number {
  let partitionMetadata = metadataCache.get(count);
  if (!partitionMetadata) {
    partitionMetadata = Array.from({ length: count }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    metadataCache.set(count, partitionMetadata);
  }
  return defaultPartitioner({ topic: '', partitionMetadata, message: { key, value: null } });
}
