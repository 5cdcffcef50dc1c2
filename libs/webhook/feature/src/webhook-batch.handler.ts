import type { BatchContext, ConsumedBatch, ConsumedRecord } from '@espalier/contracts/event-log';
import { decodeEvent, type EspalierEvent } from '@espalier/contracts/events';
import type { Tx } from '@espalier/shared/data-access-postgres';
import type { SecretBox } from '@espalier/shared/util-crypto';
import {
  applyToTallies,
  goRfc3339NanoUtc,
  TALLY_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES,
  webhookBody,
  webhookSourceOf,
  type PartitionRef,
  type RawBytes,
} from '@espalier/webhook/domain';
import type { OutboxEntry, OutboxStore } from './outbox.store';
import type { WebhookStore } from './webhook.store';

export interface BatchLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WebhookBatchDeps {
  readonly store: WebhookStore;
  readonly outbox: OutboxStore;
  readonly box: SecretBox;
  /** The other source topic's partition that holds a key's events (mdm.enrollment ↔ mdm.command). */
  readonly gateOf: (topic: string, key: string) => Promise<PartitionRef>;
  /** Appends a record that cannot become a webhook to its dead-letter topic. */
  readonly deadLetter: (record: ConsumedRecord, error: Error, attempts: number) => Promise<void>;
  /** After a batch's rows committed: the sender may have work. */
  readonly onIngested: () => void;
  readonly logger: BatchLogger;
}

interface Decoded {
  readonly record: ConsumedRecord;
  readonly event: EspalierEvent;
}

/**
 * Ingest: one partition batch of mdm.enrollment or mdm.command becomes, in
 * one transaction with the tallies and the checkpoint, the outbox rows of
 * its webhooks (bodies built now, when the tally is known, and sealed), and
 * the partition's watermark moves to its newest record. Posting is the
 * sender's (WebhookSender): a slow receiver never holds the consumer back.
 */
export class WebhookBatchHandler {
  private readonly rewound = new Set<string>();

  constructor(private readonly deps: WebhookBatchDeps) {}

  async handle(batch: ConsumedBatch, ctx: BatchContext): Promise<void> {
    const { store, outbox } = this.deps;
    const checkpoint = await store.checkpoint(batch.topic, batch.partition);
    const records = batch.records.filter((r) => BigInt(r.offset) > checkpoint);
    if (records.length === 0) return;
    if (this.behindCheckpoint(batch, records[0], checkpoint, ctx)) return;
    const from = await store.deliveryStart(batch.topic, batch.partition);
    const decoded = await this.decode(records, from);
    const last = BigInt(records[records.length - 1].offset);
    // Kafka timestamps are stamped at append, after the event's occurredAt, on the appending service's clock.
    const seenUntil = new Date(records.reduce((max, r) => Math.max(max, Number(r.timestamp)), 0));
    await store.ingest(batch.topic, batch.partition, last, async (tx, locked) => {
      const fresh = decoded.filter((d) => BigInt(d.record.offset) > locked);
      await outbox.enqueue(tx, await this.plan(tx, fresh, from));
      if (seenUntil.getTime() > 0) await outbox.advanceWatermarks(batch.topic, [batch.partition], seenUntil, tx);
    });
    this.deps.onIngested();
  }

  /**
   * The group's committed offset is ahead of the database (restored or
   * reset): rewind once to the first record not handled, as projections do.
   */
  private behindCheckpoint(batch: ConsumedBatch, first: ConsumedRecord, checkpoint: bigint, ctx: BatchContext): boolean {
    const next = checkpoint + 1n;
    const key = `${batch.topic}/${batch.partition}/${next}`;
    if (BigInt(first.offset) <= next || !ctx.seek || this.rewound.has(key)) return false;
    this.rewound.add(key);
    this.deps.logger.warn({ topic: batch.topic, partition: batch.partition, offset: first.offset, checkpoint: checkpoint.toString() }, 'webhook: behind the consumer group, rewinding to the checkpoint');
    ctx.seek(next.toString());
    return true;
  }

  /**
   * Only events that change a tally or make a webhook (from the delivery
   * start on) are decoded: the first start reads the whole log for the
   * tallies. One that cannot be decoded is dead-lettered if it was due a webhook.
   */
  private async decode(records: readonly ConsumedRecord[], from: bigint): Promise<Decoded[]> {
    const out: Decoded[] = [];
    for (const record of records) {
      const due = BigInt(record.offset) >= from;
      const type = record.headers['espalier-type'] as EspalierEvent['type'] | undefined;
      if (type !== undefined && !TALLY_EVENT_TYPES.has(type) && !(due && WEBHOOK_EVENT_TYPES.has(type))) continue;
      try {
        out.push({ record, event: decodeEvent({ value: record.value, headers: record.headers }) as EspalierEvent });
      } catch (error) {
        if (due) await this.poison(record, error);
      }
    }
    return out;
  }

  /** Bodies in log order, the tallies evolving as they go (the tally of a TokenUpdate counts it); tallies stored. */
  private async plan(tx: Tx, fresh: readonly Decoded[], from: bigint): Promise<OutboxEntry[]> {
    const tallyDevices = fresh.filter((d) => TALLY_EVENT_TYPES.has(d.event.type)).flatMap((d) => (d.event.deviceId === null ? [] : [d.event.deviceId]));
    const tallies = await this.deps.store.tallies(tallyDevices, tx);
    const entries: OutboxEntry[] = [];
    for (const { record, event } of fresh) {
      const tally = applyToTallies(tallies, event);
      const source = BigInt(record.offset) >= from ? webhookSourceOf(event) : null;
      if (!source) continue;
      // Outside the try: the broker not answering is no reason to dead-letter the event.
      const gate = await this.deps.gateOf(record.topic, keyOf(record));
      try {
        const raw = this.open(source.raw);
        const meta = { createdAt: goRfc3339NanoUtc(event.occurredAt), eventId: event.eventId };
        const { topic, body } = webhookBody(source.kind === 'report' ? { kind: 'report', raw } : { kind: 'checkin', raw, tokenUpdateTally: tally }, meta);
        // The event ID as associated data: a sealed body cannot be passed off as another event's.
        entries.push({ eventId: event.eventId, deviceId: keyOf(record), occurredAt: event.occurredAt, record, gate, webhookTopic: topic, body: this.deps.box.seal(body, event.eventId) });
      } catch (error) {
        // The same bytes would fail the same way on every retry.
        await this.poison(record, error);
      }
    }
    await this.deps.store.storeTallies(tx, tallies);
    return entries;
  }

  private open(raw: RawBytes): Buffer {
    return 'base64' in raw ? Buffer.from(raw.base64, 'base64') : this.deps.box.open(raw.sealed, raw.aad);
  }

  private async poison(record: ConsumedRecord, error: unknown): Promise<void> {
    const err = error instanceof Error ? error : new Error(String(error));
    await this.deps.deadLetter(record, new Error(`webhook: cannot build the body: ${err.message}`), 1);
    this.deps.logger.error({ topic: record.topic, partition: record.partition, offset: record.offset, err: err.message }, 'webhook: event sent to the dead-letter topic');
  }
}

/** Kafka keys are device-channel IDs: a device and its user channels share one, and so one order. */
function keyOf(record: ConsumedRecord): string {
  return record.key ?? '';
}
