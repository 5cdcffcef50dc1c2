import type { Pool } from 'pg';
import type { ConsumedRecord } from '@espalier/contracts/event-log';
import { ident, type Tx } from '@espalier/shared/data-access-postgres';
import type { EncryptedSecret } from '@espalier/shared/util-crypto';
import { watermarkKey, type OutboxHead, type PartitionRef, type WebhookTopic } from '@espalier/webhook/domain';

/** A webhook to post, as ingest writes it: its body sealed, and the event's record for the dead-letter topic. */
export interface OutboxEntry {
  readonly eventId: string;
  readonly deviceId: string;
  /** The event's occurredAt (RFC 3339). */
  readonly occurredAt: string;
  readonly record: ConsumedRecord;
  readonly gate: PartitionRef;
  readonly webhookTopic: WebhookTopic;
  readonly body: EncryptedSecret;
}

/** A webhook this process holds the lease of, to post once. */
export interface ClaimedWebhook {
  readonly eventId: string;
  readonly deviceId: string;
  readonly webhookTopic: WebhookTopic;
  readonly body: EncryptedSecret;
  /** Failed attempts so far. */
  readonly attempts: number;
  readonly record: ConsumedRecord;
  /** This claim's lease: what it writes back applies only while the lease is still its own. */
  readonly leaseId: string;
}

/** A leased row, as remove, retryAt and release need it. */
export type Lease = Pick<ClaimedWebhook, 'eventId' | 'leaseId'>;

interface ClaimedRow {
  event_id: string;
  lease_id: string;
  device_id: string;
  webhook_topic: WebhookTopic;
  body: EncryptedSecret;
  attempts: number;
  topic: string;
  partition: number;
  offset: string;
  record_key: string | null;
  record_value: Buffer | null;
  record_headers: Record<string, string>;
  record_timestamp: string;
}

/**
 * The durable queue between ingest and delivery: one row per webhook not
 * yet delivered nor dead-lettered (delivered rows are deleted), and per
 * partition how far ingest got (watermarks). Rows go out one per device at
 * a time: a replica leases a device's next row before posting it.
 */
export class OutboxStore {
  private readonly s: string;

  constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.s = ident(schema);
  }

  /** In the batch's transaction; an event ingested twice keeps its first row. */
  async enqueue(tx: Tx, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const col = <T>(f: (e: OutboxEntry) => T) => entries.map(f);
    await tx.query(
      `INSERT INTO ${this.s}.outbox (event_id, device_id, occurred_at, topic, partition, "offset", gate_topic, gate_partition, webhook_topic, body,
                                     record_key, record_value, record_headers, record_timestamp)
       SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::int[], $6::bigint[], $7::text[], $8::int[], $9::text[], $10::jsonb[],
                            $11::text[], $12::bytea[], $13::jsonb[], $14::text[])
       ON CONFLICT (event_id) DO NOTHING`,
      [
        col((e) => e.eventId), col((e) => e.deviceId), col((e) => e.occurredAt), col((e) => e.record.topic), col((e) => e.record.partition),
        col((e) => e.record.offset), col((e) => e.gate.topic), col((e) => e.gate.partition), col((e) => e.webhookTopic), col((e) => JSON.stringify(e.body)),
        col((e) => e.record.key), col((e) => e.record.value), col((e) => JSON.stringify(e.record.headers)), col((e) => e.record.timestamp),
      ],
    );
  }

  /** Every event of these partitions stamped before `until` is ingested; a watermark never goes back. */
  async advanceWatermarks(topic: string, partitions: readonly number[], until: Date, db: Pool | Tx = this.pool): Promise<void> {
    if (partitions.length === 0) return;
    await db.query(
      `INSERT INTO ${this.s}.watermarks (topic, partition, seen_until) SELECT $1, p, $3 FROM unnest($2::int[]) AS u(p)
       ON CONFLICT (topic, partition) DO UPDATE SET seen_until = GREATEST(${this.s}.watermarks.seen_until, excluded.seen_until)`,
      [topic, partitions, until],
    );
  }

  async watermarks(): Promise<Map<string, number>> {
    const { rows } = await this.pool.query<{ topic: string; partition: number; seen_until: Date }>(`SELECT topic, partition, seen_until FROM ${this.s}.watermarks`);
    return new Map(rows.map((r) => [watermarkKey(r), r.seen_until.getTime()]));
  }

  /** Each device's first row left per topic (log order): the candidates of the release rule. */
  async heads(): Promise<OutboxHead[]> {
    const { rows } = await this.pool.query<{
      event_id: string; device_id: string; topic: string; offset: string; occurred_at: Date;
      gate_topic: string; gate_partition: number; next_attempt_at: Date; leased_until: Date | null;
    }>(
      `SELECT DISTINCT ON (device_id, topic) event_id, device_id, topic, "offset", occurred_at, gate_topic, gate_partition, next_attempt_at, leased_until
       FROM ${this.s}.outbox ORDER BY device_id, topic, "offset"`,
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      deviceId: r.device_id,
      topic: r.topic,
      offset: BigInt(r.offset),
      occurredAt: r.occurred_at.getTime(),
      gate: { topic: r.gate_topic, partition: r.gate_partition },
      nextAttemptAt: r.next_attempt_at.getTime(),
      leasedUntil: r.leased_until?.getTime() ?? null,
    }));
  }

  /**
   * Leases these rows until `until`, skipping any another replica holds or
   * is leasing this instant, any waiting for a retry, and any that is no
   * longer its topic's first of the device. The lease, not a held transaction, keeps a device to one POST at
   * a time across replicas; a crashed holder's lease simply runs out.
   */
  async claim(eventIds: readonly string[], now: Date, until: Date): Promise<ClaimedWebhook[]> {
    if (eventIds.length === 0) return [];
    const { rows } = await this.pool.query<ClaimedRow>(
      `WITH free AS (
         SELECT o.event_id FROM ${this.s}.outbox o
         WHERE o.event_id = ANY($1::text[]) AND (o.leased_until IS NULL OR o.leased_until <= $2) AND o.next_attempt_at <= $2
           AND NOT EXISTS (SELECT 1 FROM ${this.s}.outbox e WHERE e.device_id = o.device_id AND e.topic = o.topic AND e."offset" < o."offset")
         FOR UPDATE OF o SKIP LOCKED
       )
       UPDATE ${this.s}.outbox o SET leased_until = $3, lease_id = gen_random_uuid()::text FROM free WHERE o.event_id = free.event_id
       RETURNING o.event_id, o.lease_id, o.device_id, o.webhook_topic, o.body, o.attempts, o.topic, o.partition, o."offset",
                 o.record_key, o.record_value, o.record_headers, o.record_timestamp`,
      [eventIds, now, until],
    );
    return rows.map((r) => ({
      eventId: r.event_id,
      leaseId: r.lease_id,
      deviceId: r.device_id,
      webhookTopic: r.webhook_topic,
      body: r.body,
      attempts: r.attempts,
      record: { topic: r.topic, partition: r.partition, offset: String(r.offset), key: r.record_key, value: r.record_value, headers: r.record_headers, timestamp: r.record_timestamp },
    }));
  }

  // The three writes below apply only under the caller's own lease: one that stalled past its
  // lease leaves the row to whoever leased it since (that replica posts it; at-least-once).

  /** Delivered or dead-lettered: the device's next row may go. */
  async remove(lease: Lease): Promise<void> {
    await this.pool.query(`DELETE FROM ${this.s}.outbox WHERE event_id = $1 AND lease_id = $2`, [lease.eventId, lease.leaseId]);
  }

  /** A failed attempt: counted, and the row waits until `at`. */
  async retryAt(lease: Lease, attempts: number, at: Date): Promise<void> {
    await this.pool.query(`UPDATE ${this.s}.outbox SET attempts = $3, next_attempt_at = $4, leased_until = NULL WHERE event_id = $1 AND lease_id = $2`, [
      lease.eventId, lease.leaseId, attempts, at,
    ]);
  }

  /** Stopped before an answer: the attempt does not count, whoever comes next posts it at once. */
  async release(lease: Lease): Promise<void> {
    await this.pool.query(`UPDATE ${this.s}.outbox SET leased_until = NULL WHERE event_id = $1 AND lease_id = $2`, [lease.eventId, lease.leaseId]);
  }
}
