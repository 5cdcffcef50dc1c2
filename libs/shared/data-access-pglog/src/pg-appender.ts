import type { Pool } from 'pg';
import { prepared } from '@espalier/shared/data-access-postgres';
import type { LogAppender, LogPosition, LogRecord } from '@espalier/contracts/event-log';
import { GroupCommit, MAX_RECORD_BYTES } from '@espalier/shared/data-access-kafka';
import type { TopicCatalog } from './topic-catalog';

/**
 * Appends with group commit (the Kafka adapter's GroupCommit): appends that
 * arrive while a transaction is in flight share the next one, and each
 * caller's promise resolves only after that transaction's COMMIT (durable
 * with synchronous_commit on). The transaction is one statement (see write).
 */
export class PgAppender implements LogAppender {
  private readonly group: GroupCommit;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
    private readonly catalog: TopicCatalog,
    /** Told after each commit which partitions grew, so local consumers wake at once. */
    private readonly onAppended: (positions: readonly LogPosition[]) => void,
  ) {
    this.group = new GroupCommit((records) => this.write(records), { maxBatchBytes: 4 * 1024 * 1024, maxBatchRecords: 5_000 });
  }

  append(records: readonly LogRecord[]): Promise<LogPosition[]> {
    const tooBig = records.find((r) => r.value.length > MAX_RECORD_BYTES);
    if (tooBig) return Promise.reject(new Error(`appending to ${tooBig.topic}: record of ${tooBig.value.length} bytes exceeds ${MAX_RECORD_BYTES}`));
    return this.group.append(records);
  }

  flush(): Promise<void> {
    return this.group.flush();
  }

  private async write(records: readonly LogRecord[]): Promise<LogPosition[]> {
    const assigned = await Promise.all(records.map((r) => this.catalog.partitionForKnown(r.topic, r.key) ?? this.catalog.partitionFor(r.topic, r.key)));
    const counts = new Map<string, { topic: string; partition: number; n: number }>();
    const indexes = records.map((r, i) => {
      const tp = `${r.topic}/${assigned[i]}`;
      const entry = counts.get(tp) ?? { topic: r.topic, partition: assigned[i], n: 0 };
      counts.set(tp, entry);
      return entry.n++;
    });
    const parts = [...counts.values()];
    // One statement, so one round trip and one implicit transaction: lock the
    // partitions' counter rows in a fixed order (appenders in several processes
    // never deadlock), move them on, insert the records numbered from where
    // each counter stood. FOR UPDATE re-reads a row committed meanwhile, so the
    // numbers continue from the latest append.
    const { rows } = await this.pool.query<{ topic: string; partition: number; first: string; inserted: number }>(
      prepared(`WITH w AS (SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[]) AS w(topic, partition, n)),
       locked AS MATERIALIZED (
         SELECT p.topic, p.partition, p.next_offset FROM ${this.schema}.partitions p JOIN w USING (topic, partition)
         ORDER BY p.topic, p.partition FOR UPDATE OF p),
       bumped AS (
         UPDATE ${this.schema}.partitions p SET next_offset = l.next_offset + w.n
         FROM locked l JOIN w USING (topic, partition)
         WHERE p.topic = l.topic AND p.partition = l.partition
         RETURNING p.topic, p.partition, l.next_offset AS first),
       inserted AS (
         INSERT INTO ${this.schema}.records (topic, partition, "offset", key, value, headers)
         -- A partition without a counter row fails the whole statement (nothing half-written).
         SELECT r.topic, r.partition, coalesce(b.first, ('appending: partition ' || r.topic || '/' || r.partition || ' does not exist')::bigint) + r.idx,
                r.key, r.value, r.headers
         FROM unnest($4::text[], $5::int[], $6::bigint[], $7::text[], $8::bytea[], $9::jsonb[]) AS r(topic, partition, idx, key, value, headers)
         LEFT JOIN bumped b USING (topic, partition)
         RETURNING 1)
       SELECT b.topic, b.partition, b.first, (SELECT count(*) FROM inserted)::int AS inserted FROM bumped b`),
      [
        parts.map((p) => p.topic),
        parts.map((p) => p.partition),
        parts.map((p) => p.n),
        records.map((r) => r.topic),
        assigned,
        indexes,
        records.map((r) => r.key),
        records.map((r) => r.value),
        records.map((r) => JSON.stringify(r.headers)),
      ],
    );
    if (rows.length !== parts.length || rows[0].inserted !== records.length) {
      throw new Error(`appending: the statement numbered ${rows.length} of ${parts.length} partitions and wrote ${rows[0]?.inserted ?? 0} of ${records.length} records`);
    }
    const first = new Map(rows.map((r) => [`${r.topic}/${r.partition}`, BigInt(r.first)]));
    const positions = records.map((r, i): LogPosition => ({ topic: r.topic, partition: assigned[i], offset: ((first.get(`${r.topic}/${assigned[i]}`) as bigint) + BigInt(indexes[i])).toString() }));
    this.onAppended(positions);
    return positions;
  }
}
