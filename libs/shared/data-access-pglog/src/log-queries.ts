import type { ConsumedRecord } from '@espalier/contracts/event-log';
import { prepared, type PreparedQuery } from '@espalier/shared/data-access-postgres';

/** A pg Pool or Client: anything that runs a query. */
export interface Queryable {
  query<R extends object>(sql: string | PreparedQuery, params: unknown[]): Promise<{ rows: R[] }>;
}

export interface FetchLimits {
  readonly maxRecords: number;
  /** A batch stops before the record that would take it past this many value bytes (it always holds at least one). */
  readonly maxBytes: number;
}

/**
 * Records of one partition from `from`, in offset order. The running size
 * uses octet_length, which reads a stored value's length without fetching
 * the value, so values past the byte bound are never read.
 */
export async function fetchRecords(db: Queryable, schema: string, topic: string, partition: number, from: bigint, limits: FetchLimits): Promise<ConsumedRecord[]> {
  const { rows } = await db.query<{ offset: string; key: string | null; value: Buffer | null; headers: Record<string, string>; ts: string }>(
    prepared(`SELECT "offset", key, value, headers, ts FROM (
       SELECT "offset", key, value, headers, (extract(epoch FROM "timestamp") * 1000)::bigint AS ts,
              sum(coalesce(octet_length(value), 0)) OVER (ORDER BY "offset") - coalesce(octet_length(value), 0) AS before
       FROM ${schema}.records WHERE topic = $1 AND partition = $2 AND "offset" >= $3
       ORDER BY "offset" LIMIT $4) AS b
     WHERE before < $5 ORDER BY "offset"`),
    [topic, partition, from.toString(), limits.maxRecords, limits.maxBytes],
  );
  return rows.map((r) => ({ topic, partition, offset: String(r.offset), key: r.key, value: r.value, headers: r.headers, timestamp: String(r.ts) }));
}

export async function commitOffset(db: Queryable, schema: string, groupId: string, topic: string, partition: number, next: bigint): Promise<void> {
  await db.query(
    prepared(`INSERT INTO ${schema}.committed_offsets (group_id, topic, partition, "offset") VALUES ($1, $2, $3, $4)
     ON CONFLICT (group_id, topic, partition) DO UPDATE SET "offset" = excluded."offset", committed_at = now()`),
    [groupId, topic, partition, next.toString()],
  );
}

/** What the group committed on these partitions of a topic (absent: none). */
export async function readCommitted(db: Queryable, schema: string, groupId: string, topic: string, partitions: readonly number[]): Promise<Map<number, bigint>> {
  const { rows } = await db.query<{ partition: number; offset: string }>(
    prepared(`SELECT partition, "offset" FROM ${schema}.committed_offsets WHERE group_id = $1 AND topic = $2 AND partition = ANY($3)`),
    [groupId, topic, [...partitions]],
  );
  return new Map(rows.map((r) => [r.partition, BigInt(r.offset)]));
}

/** Each partition's next offset (high watermark), by partition number. */
export async function readEnds(db: Queryable, schema: string, topic: string): Promise<Map<number, bigint>> {
  const { rows } = await db.query<{ partition: number; next_offset: string }>(prepared(`SELECT partition, next_offset FROM ${schema}.partitions WHERE topic = $1 ORDER BY partition`), [topic]);
  return new Map(rows.map((r) => [r.partition, BigInt(r.next_offset)]));
}
