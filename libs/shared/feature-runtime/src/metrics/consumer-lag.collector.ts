import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog, PartitionEnd } from '@espalier/contracts/event-log';
import { EVENT_LOG, LOGGER, PG_POOL, SERVICE_SCHEMA } from '@espalier/contracts/runtime';
import { consumerGroupOf, readCheckpoints, type ServiceSchema } from '@espalier/shared/data-access-postgres';
import { ConsumerGroupRegistry, type RunningGroup } from './consumer-groups.registry';
import { lagFamilies, type GroupReading, type LagReading } from './consumer-lag';
import type { MetricFamily } from './prometheus-text';

/** A reading serves every scrape within this window: Prometheus, dashboards and a curl share it. */
export const LAG_CACHE_MS = 2_000;
/** A scrape does not wait longer for the broker and the database; the reading goes on and serves the next. */
export const LAG_TIMEOUT_MS = 5_000;
const UNDEFINED_TABLE = '42P01';

/**
 * Lag of every consumer group this service runs, read on scrape: the log
 * ends, each group's committed offsets, each projection's checkpoints. One
 * reading at a time, kept for LAG_CACHE_MS, so scrapes do not hammer the
 * broker; a reading that fails or is slow yields espalier_consumer_lag_up 0.
 */
@Injectable()
export class ConsumerLagCollector {
  private current: { readonly reading: Promise<LagReading>; settledAt?: number } | null = null;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(SERVICE_SCHEMA) private readonly owned: ServiceSchema,
    @Inject(ConsumerGroupRegistry) private readonly registry: ConsumerGroupRegistry,
    @Inject(LOGGER) private readonly logger: { warn(obj: object, msg: string): void },
  ) {}

  async families(): Promise<MetricFamily[]> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no reading within ${LAG_TIMEOUT_MS} ms`)), LAG_TIMEOUT_MS)));
    try {
      const reading = await Promise.race([this.reading(), timeout]);
      return [...lagFamilies(reading), up(1)];
    } catch (error) {
      this.logger.warn({ err: error }, 'metrics: could not read consumer lag');
      return [up(0)];
    } finally {
      clearTimeout(timer);
    }
  }

  private reading(): Promise<LagReading> {
    const current = this.current;
    if (current && (current.settledAt === undefined || Date.now() - current.settledAt < LAG_CACHE_MS)) return current.reading;
    const next: { reading: Promise<LagReading>; settledAt?: number } = { reading: this.read() };
    const settle = () => void (next.settledAt = Date.now());
    next.reading.then(settle, settle);
    this.current = next;
    return next.reading;
  }

  private async read(): Promise<LagReading> {
    const groups = this.groups();
    const ends = new Map<string, PartitionEnd[]>();
    // One topic at a time: concurrent lookups race inside kafkajs' admin (see the Kafka adapter).
    for (const topic of new Set(groups.flatMap((g) => g.topics))) ends.set(topic, await this.log.endOffsets(topic));
    const readings = await Promise.all(groups.map((g) => this.readGroup(g)));
    return { ends, groups: readings };
  }

  /** The service's projections (measured even before their runners start) and every other group it runs. */
  private groups(): (RunningGroup & { projection?: ServiceSchema['projections'][number] })[] {
    const projections = this.owned.projections.map((p) => ({ groupId: consumerGroupOf(p), topics: p.topics, fromBeginning: true, projection: p }));
    const others = this.registry.groups().filter((g) => !projections.some((p) => p.groupId === g.groupId));
    return [...projections, ...others];
  }

  private async readGroup({ projection, ...group }: RunningGroup & { projection?: ServiceSchema['projections'][number] }): Promise<GroupReading> {
    const committed = await this.log.committedOffsets(group.groupId, group.topics);
    if (!projection) return { ...group, committed };
    const { name, schema } = projection;
    const checkpoints = await readCheckpoints(this.pool, schema, name).catch((error: { code?: string }) => {
      if (error.code === UNDEFINED_TABLE) return []; // not migrated yet: nothing applied
      throw error;
    });
    return { ...group, committed, projection: { name, checkpoints: new Map(checkpoints.map((c) => [`${c.topic}/${c.partition}`, BigInt(c.offset)])) } };
  }
}

function up(value: 0 | 1): MetricFamily {
  return { name: 'espalier_consumer_lag_up', help: '1 when the last consumer lag reading succeeded, 0 when the broker or the database did not answer.', type: 'gauge', samples: [{ value }] };
}
