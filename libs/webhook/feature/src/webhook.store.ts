import type { Pool } from 'pg';
import type { PartitionEnd } from '@espalier/contracts/event-log';
import { ident, lockCheckpoint, readCheckpoint, readCheckpoints, storeCheckpoint, withTransaction, type Tx } from '@espalier/shared/data-access-postgres';
import type { Tallies } from '@espalier/webhook/domain';

/** The checkpoint name of the webhook consumer in webhook.projection_checkpoints. */
export const WEBHOOK_CHECKPOINT = 'webhook.delivery';

/**
 * The webhook service's PostgreSQL state: its position in each partition
 * (the truth, not the group's committed offset), the tallies, and where
 * delivery began. A batch's tallies, outbox rows and checkpoint commit in
 * one transaction, so a redelivered batch changes nothing.
 */
export class WebhookStore {
  private readonly s: string;
  private readonly starts = new Map<string, bigint>();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {
    this.s = ident(schema);
  }

  /**
   * On the very first start (no row for the topic yet), delivery begins at
   * the log's end: older events only feed the tallies. Enabling the bridge
   * on a running installation must not replay years of check-ins to the
   * receiver; NanoMDM, too, posts only what happens once -webhook-url is set.
   */
  async initDeliveryStart(topic: string, ends: readonly PartitionEnd[]): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.s}.delivery_start (topic, partition, from_offset)
       SELECT $1, p, o FROM unnest($2::int[], $3::bigint[]) AS u(p, o)
       WHERE NOT EXISTS (SELECT 1 FROM ${this.s}.delivery_start WHERE topic = $1)
       ON CONFLICT DO NOTHING`,
      [topic, ends.map((e) => e.partition), ends.map((e) => e.high)],
    );
  }

  /** The first offset of the partition that is delivered; 0 for a partition added after the first start. */
  async deliveryStart(topic: string, partition: number): Promise<bigint> {
    const key = `${topic}/${partition}`;
    const known = this.starts.get(key);
    if (known !== undefined) return known;
    const { rows } = await this.pool.query<{ from_offset: string }>(`SELECT from_offset FROM ${this.s}.delivery_start WHERE topic = $1 AND partition = $2`, [topic, partition]);
    const start = rows.length === 0 ? 0n : BigInt(rows[0].from_offset);
    this.starts.set(key, start);
    return start;
  }

  /** The last offset handled in the partition; -1 when none. */
  checkpoint(topic: string, partition: number): Promise<bigint> {
    return readCheckpoint(this.pool, this.schema, WEBHOOK_CHECKPOINT, topic, partition);
  }

  /** The next offset to read per partition, for a (re)assignment. */
  async startOffsets(topic: string, partitions: readonly number[]): Promise<Map<number, string>> {
    const stored = await this.checkpoints(topic);
    return new Map(partitions.map((p) => [p, ((stored.get(p) ?? -1n) + 1n).toString()]));
  }

  /** The stored tallies of every enrollment of these devices. */
  async tallies(deviceIds: readonly string[], db: Pool | Tx = this.pool): Promise<Tallies> {
    const tallies: Tallies = new Map();
    if (deviceIds.length === 0) return tallies;
    const { rows } = await db.query<{ enrollment_id: string; device_id: string; tally: number }>(
      `SELECT enrollment_id, device_id, tally FROM ${this.s}.token_update_tallies WHERE device_id = ANY($1::text[])`,
      [[...new Set(deviceIds)]],
    );
    for (const r of rows) tallies.set(r.enrollment_id, { deviceId: r.device_id, tally: r.tally });
    return tallies;
  }

  /**
   * One batch's transaction: `apply` runs with the partition's checkpoint
   * locked (another member may have handled part of the batch during a
   * rebalance; the row lock orders the two, and `apply` gets the checkpoint
   * to skip what it did), then the checkpoint moves to `last`.
   */
  async ingest(topic: string, partition: number, last: bigint, apply: (tx: Tx, checkpoint: bigint) => Promise<void>): Promise<void> {
    await withTransaction(this.pool, async (tx) => {
      const checkpoint = await lockCheckpoint(tx, this.schema, WEBHOOK_CHECKPOINT, topic, partition);
      if (checkpoint >= last) return;
      await apply(tx, checkpoint);
      await storeCheckpoint(tx, this.schema, WEBHOOK_CHECKPOINT, topic, partition, last);
    });
  }

  /** The last offset handled per partition of the topic (partitions never handled are absent). */
  async checkpoints(topic: string): Promise<Map<number, bigint>> {
    const all = await readCheckpoints(this.pool, this.schema, WEBHOOK_CHECKPOINT);
    return new Map(all.filter((c) => c.topic === topic).map((c) => [c.partition, BigInt(c.offset)]));
  }

  async storeTallies(tx: Tx, tallies: Tallies): Promise<void> {
    if (tallies.size === 0) return;
    const entries = [...tallies];
    await tx.query(
      `INSERT INTO ${this.s}.token_update_tallies (enrollment_id, device_id, tally)
       SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
       ON CONFLICT (enrollment_id) DO UPDATE SET device_id = excluded.device_id, tally = excluded.tally`,
      [entries.map(([id]) => id), entries.map(([, e]) => e.deviceId), entries.map(([, e]) => e.tally)],
    );
  }
}
