import type { Pool } from 'pg';
import { lagOf, type PartitionEnd } from '@espalier/contracts/event-log';
import { consumerGroupOf, readCheckpoints, type ServiceSchema } from '@espalier/shared/data-access-postgres';
import type { StatusLogSource } from './status-log-source';

/** One partition of a consumer group: its committed offset (the next it reads), the log end, and the difference. */
export interface GroupPartition {
  readonly topic: string;
  readonly partition: number;
  /** null: the group committed nothing on this partition (Kafka's own tool shows "-"). */
  readonly committed: string | null;
  /** null: the topic's end could not be read (e.g. the topic was deleted). */
  readonly end: string | null;
  /** null when committed or end is. */
  readonly lag: number | null;
}

export interface GroupStatus {
  readonly groupId: string;
  readonly state: string;
  readonly members: number;
  /** Sum of the partitions' known lags. */
  readonly totalLag: number;
  readonly partitions: readonly GroupPartition[];
}

/** One partition of a projection: its PostgreSQL checkpoint (the last offset it applied) against the log end. */
export interface CheckpointPartition {
  readonly topic: string;
  readonly partition: number;
  /** null: nothing applied yet (no checkpoint row). */
  readonly checkpoint: string | null;
  readonly end: string | null;
  /** Log end − (checkpoint + 1); null when the end is unknown. */
  readonly lag: number | null;
}

export interface ProjectionStatus {
  readonly service: string;
  readonly projection: string;
  readonly schema: string;
  readonly group: string;
  /** False when the service's schema has no checkpoint table yet (never started nor migrated). */
  readonly migrated: boolean;
  readonly totalLag: number;
  readonly partitions: readonly CheckpointPartition[];
}

export interface StatusReport {
  readonly groups: readonly GroupStatus[];
  readonly projections: readonly ProjectionStatus[];
}

/** The log ends of each topic, each looked up once per report. */
export class TopicEnds {
  private readonly known = new Map<string, Promise<PartitionEnd[] | null>>();

  constructor(private readonly log: Pick<StatusLogSource, 'endOffsets'>) {}

  of(topic: string): Promise<PartitionEnd[] | null> {
    let ends = this.known.get(topic);
    if (!ends) {
      ends = this.log.endOffsets(topic).catch(() => null);
      this.known.set(topic, ends);
    }
    return ends;
  }
}

const GROUP_PREFIX = 'espalier.';
/** Groups read at once: the brokers answer quickly, and a long list of per-replica groups should not take long. */
const CONCURRENCY = 8;
const UNDEFINED_TABLE = '42P01';

export async function groupStatuses(log: StatusLogSource, ends: TopicEnds): Promise<GroupStatus[]> {
  const groups = await log.list(GROUP_PREFIX);
  return mapLimited(groups, CONCURRENCY, async (group) => {
    const committed = await log.committedOffsets(group.groupId);
    const partitions: GroupPartition[] = [];
    for (const topic of [...new Set(committed.map((c) => c.topic))].sort()) {
      const topicEnds = await ends.of(topic);
      const numbers = topicEnds?.map((e) => e.partition) ?? committed.filter((c) => c.topic === topic).map((c) => c.partition);
      for (const partition of numbers) {
        const offset = committed.find((c) => c.topic === topic && c.partition === partition)?.offset ?? null;
        const end = topicEnds?.find((e) => e.partition === partition);
        partitions.push({ topic, partition, committed: offset, end: end?.high ?? null, lag: end && offset !== null ? Number(lagOf(end, offset)) : null });
      }
    }
    return { ...group, totalLag: sum(partitions), partitions };
  });
}

export async function projectionStatuses(pool: Pool, schemas: Readonly<Record<string, ServiceSchema>>, ends: TopicEnds): Promise<ProjectionStatus[]> {
  const out: ProjectionStatus[] = [];
  for (const [service, owned] of Object.entries(schemas)) {
    for (const projection of owned.projections) {
      const stored = await readCheckpoints(pool, projection.schema, projection.name).then(
        (rows) => new Map(rows.map((c) => [`${c.topic}/${c.partition}`, c.offset])),
        (error: { code?: string }) => {
          if (error.code === UNDEFINED_TABLE) return null;
          throw error;
        },
      );
      const partitions: CheckpointPartition[] = [];
      for (const topic of projection.topics) {
        for (const end of (await ends.of(topic)) ?? []) {
          const checkpoint = stored?.get(`${topic}/${end.partition}`) ?? null;
          partitions.push({ topic, partition: end.partition, checkpoint, end: end.high, lag: Number(lagOf(end, (BigInt(checkpoint ?? -1) + 1n).toString())) });
        }
      }
      out.push({ service, projection: projection.name, schema: projection.schema, group: consumerGroupOf(projection), migrated: stored !== null, totalLag: sum(partitions), partitions });
    }
  }
  return out;
}

function sum(rows: readonly { lag: number | null }[]): number {
  return rows.reduce((total, row) => total + (row.lag ?? 0), 0);
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
