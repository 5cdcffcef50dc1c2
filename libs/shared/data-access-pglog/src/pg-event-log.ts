import type { Pool } from 'pg';
import { RunningConsumers, type CommittedOffset, type EventLog, type LogConsumer, type LogSubscription, type PartitionEnd, type TopicSpec } from '@espalier/contracts/event-log';
import { createPool, ident, runMigrations } from '@espalier/shared/data-access-postgres';
import { readEnds } from './log-queries';
import { membersKeyOf } from './member-session';
import { LogTail } from './log-tail';
import { PgAppender } from './pg-appender';
import { PgLogConsumer, type PgConsumerOptions } from './pg-consumer';
import { pglogMigrations } from './pglog.migrations';
import { TopicCatalog } from './topic-catalog';

export interface PgLogLogger {
  debug(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A consumer group as operator tools list it (the shape of the Kafka adapter's GroupSummary). */
export interface GroupSummary {
  readonly groupId: string;
  /** Stable while a member runs, else Empty. */
  readonly state: string;
  readonly members: number;
}

export interface PgEventLogOptions {
  readonly connectionString: string;
  readonly logger: PgLogLogger;
  /** The log's own schema (default `eventlog`). */
  readonly schema?: string;
  readonly applicationName?: string;
  /** Connections of the log's pool (appends, reads, offset lookups); each consumer also holds one session of its own. */
  readonly poolSize?: number;
  readonly consumer?: Partial<PgConsumerOptions>;
  /** How fast consumers notice records appended by other processes (this process's appends wake them at once). */
  readonly poll?: { readonly minMs?: number; readonly maxMs?: number };
}

/**
 * The event log in PostgreSQL tables, behind the same port as Kafka: for the
 * one-process embedded mode, where the log lives beside the projections.
 * Topics, partitions, per-partition dense offsets from 0, group commit,
 * consumer groups whose members split partitions, committed offsets. No
 * retention: the log is the source of truth, as with Kafka. Connect (which
 * migrates its schema) before use; close once.
 */
export class PgEventLog implements EventLog {
  readonly appender: PgAppender;
  readonly schema: string;
  private readonly pool: Pool;
  private readonly q: string;
  private readonly catalog: TopicCatalog;
  private readonly tail: LogTail;
  private readonly consumers = new RunningConsumers();
  private readonly localOwners = new Set<string>();
  private readonly consumerOptions: PgConsumerOptions;

  constructor(private readonly options: PgEventLogOptions) {
    this.schema = options.schema ?? 'eventlog';
    this.q = ident(this.schema);
    this.pool = createPool({
      connectionString: options.connectionString,
      applicationName: options.applicationName ?? 'espalier-pglog',
      max: options.poolSize ?? 10,
      onIdleError: (error) => options.logger.warn({ err: error }, 'event log: idle database connection lost'),
    });
    this.catalog = new TopicCatalog(this.pool, this.q);
    this.tail = new LogTail(this.pool, this.q, { minPollMs: options.poll?.minMs ?? 25, maxPollMs: options.poll?.maxMs ?? 400 }, (error) =>
      options.logger.warn({ err: error }, 'event log: polling the partition ends failed'),
    );
    this.appender = new PgAppender(this.pool, this.q, this.catalog, (positions) => this.tail.advanced(positions));
    this.consumerOptions = { partitionsConsumedConcurrently: 4, ownershipCheckMs: 1_000, maxRecords: 500, maxBytes: 1024 * 1024, ...options.consumer };
  }

  /** Creates or migrates the log's schema (idempotent; replicas starting together apply each migration once). */
  async connect(): Promise<void> {
    await runMigrations(this.pool, this.schema, pglogMigrations);
  }

  subscribe(subscription: LogSubscription): LogConsumer {
    const consumer = new PgLogConsumer(
      subscription,
      { pool: this.pool, connectionString: this.options.connectionString, schema: this.q, catalog: this.catalog, tail: this.tail, logger: this.options.logger, localOwners: this.localOwners },
      this.consumerOptions,
    );
    return this.consumers.track(consumer, subscription.ephemeral ? () => this.deleteGroup(subscription.groupId) : undefined);
  }

  async endOffsets(topic: string): Promise<PartitionEnd[]> {
    await this.catalog.partitionsOf(topic);
    const ends = await readEnds(this.pool, this.q, topic);
    return [...ends].map(([partition, high]) => ({ partition, high: high.toString(), low: '0' }));
  }

  /** As the port; without topics (as the Kafka tools' lookup), every topic the group committed to. */
  async committedOffsets(groupId: string, topics?: readonly string[]): Promise<CommittedOffset[]> {
    const { rows } = await this.pool.query<{ topic: string; partition: number; offset: string | null }>(
      `SELECT p.topic, p.partition, c."offset" FROM ${this.q}.partitions p
       LEFT JOIN ${this.q}.committed_offsets c ON c.group_id = $1 AND c.topic = p.topic AND c.partition = p.partition
       WHERE CASE WHEN $2::text[] IS NULL THEN p.topic IN (SELECT topic FROM ${this.q}.committed_offsets WHERE group_id = $1) ELSE p.topic = ANY($2) END
       ORDER BY p.topic, p.partition`,
      [groupId, topics ? [...topics] : null],
    );
    return rows.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.offset === null ? null : String(r.offset) }));
  }

  /**
   * Consumer groups whose ID starts with `prefix` and that committed
   * something, with their live members (sessions holding a member lock), for
   * operator tools (`espalier status`), like KafkaConsumerGroups.list.
   */
  async listGroups(prefix: string): Promise<GroupSummary[]> {
    const { rows } = await this.pool.query<{ group_id: string }>(
      `SELECT DISTINCT group_id FROM ${this.q}.committed_offsets WHERE starts_with(group_id, $1) ORDER BY group_id`,
      [prefix],
    );
    if (rows.length === 0) return [];
    const keys = rows.map((r) => membersKeyOf(this.q, r.group_id));
    const { rows: locks } = await this.pool.query<{ classid: string; n: number }>(
      `SELECT classid::text AS classid, count(*)::int AS n FROM pg_locks
       WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = ANY($1::int8[]::oid[])
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
       GROUP BY classid`,
      [keys],
    );
    const members = new Map(locks.map((l) => [Number(l.classid), l.n]));
    return rows.map((r, i) => {
      const n = members.get(keys[i]) ?? 0;
      return { groupId: r.group_id, state: n > 0 ? 'Stable' : 'Empty', members: n };
    });
  }

  partitionFor(topic: string, key: string): Promise<number> {
    return this.catalog.partitionFor(topic, key);
  }

  provisionTopics(topics: readonly TopicSpec[]): Promise<void> {
    return this.catalog.provision(topics, this.options.logger);
  }

  /** Forgets a group's committed offsets (replay's throw-away groups). */
  async deleteGroup(groupId: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.q}.committed_offsets WHERE group_id = $1`, [groupId]);
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  /** Whether the log's schema exists, for read-only tools that must not create it (connect does). */
  async schemaExists(): Promise<{ exists: boolean }> {
    const { rows } = await this.pool.query<{ exists: boolean }>('SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS exists', [this.schema]);
    return { exists: rows[0].exists };
  }

  /** Stops consumers (each finishes and commits its batch), finishes appends, then closes the pool. */
  async close(): Promise<void> {
    await this.consumers.stopAll();
    await this.appender.flush();
    this.tail.close();
    await this.pool.end();
  }
}
