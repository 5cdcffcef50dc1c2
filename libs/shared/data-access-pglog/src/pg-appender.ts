import type { Pool } from 'pg';
import type { LogAppender, LogPosition, LogRecord } from '@espalier/contracts/event-log';
import { GroupCommit, MAX_RECORD_BYTES } from '@espalier/shared/data-access-kafka';
import { withTransaction } from '@espalier/shared/data-access-postgres';
import type { TopicCatalog } from './topic-catalog';

/**
 * Appends with group commit (the Kafka adapter's GroupCommit): appends that
 * arrive while a transaction is in flight share the next one, and each
 * caller's promise resolves only after that transaction's COMMIT (durable
 * with synchronous_commit on). One transaction: lock the partitions' counter
 * rows in a fixed order (so appenders in several processes never deadlock),
 * number the records, insert them, move the counters on.
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
    records.forEach((r, i) => {
      const tp = `${r.topic}/${assigned[i]}`;
      const entry = counts.get(tp) ?? { topic: r.topic, partition: assigned[i], n: 0 };
      entry.n += 1;
      counts.set(tp, entry);
    });
    const parts = [...counts.values()];
    const positions = await withTransaction(this.pool, async (tx) => {
      const { rows } = await tx.query<{ topic: string; partition: number; next_offset: string }>(
        `SELECT p.topic, p.partition, p.next_offset FROM ${this.schema}.partitions p
         JOIN unnest($1::text[], $2::int[]) AS w(topic, partition) USING (topic, partition)
         ORDER BY p.topic, p.partition FOR UPDATE OF p`,
        [parts.map((p) => p.topic), parts.map((p) => p.partition)],
      );
      if (rows.length !== parts.length) throw new Error(`appending: a partition of ${parts.map((p) => p.topic).join(', ')} does not exist`);
      const next = new Map(rows.map((r) => [`${r.topic}/${r.partition}`, BigInt(r.next_offset)]));
      const out = records.map((r, i): LogPosition => {
        const tp = `${r.topic}/${assigned[i]}`;
        const offset = next.get(tp) as bigint;
        next.set(tp, offset + 1n);
        return { topic: r.topic, partition: assigned[i], offset: offset.toString() };
      });
      await tx.query(
        `INSERT INTO ${this.schema}.records (topic, partition, "offset", key, value, headers)
         SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::bytea[], $6::jsonb[])`,
        [
          out.map((p) => p.topic),
          out.map((p) => p.partition),
          out.map((p) => p.offset),
          records.map((r) => r.key),
          records.map((r) => r.value),
          records.map((r) => JSON.stringify(r.headers)),
        ],
      );
      await tx.query(
        `UPDATE ${this.schema}.partitions p SET next_offset = w.next_offset
         FROM unnest($1::text[], $2::int[], $3::bigint[]) AS w(topic, partition, next_offset)
         WHERE p.topic = w.topic AND p.partition = w.partition`,
        [parts.map((p) => p.topic), parts.map((p) => p.partition), parts.map((p) => (next.get(`${p.topic}/${p.partition}`) as bigint).toString())],
      );
      return out;
    });
    this.onAppended(positions);
    return positions;
  }
}
