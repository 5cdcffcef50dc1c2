import type { BatchContext, ConsumedBatch, ConsumedRecord } from '@espalier/contracts/event-log';
import { decodeEvent, type EspalierEvent } from '@espalier/contracts/events';
import type { SecretBox } from '@espalier/shared/util-crypto';
import {
  applyToTallies,
  goRfc3339NanoUtc,
  TALLY_EVENT_TYPES,
  WEBHOOK_EVENT_TYPES,
  webhookBody,
  webhookSourceOf,
  type RawBytes,
  type Tallies,
} from '@espalier/webhook/domain';
import { DeliveryStoppedError, type PlannedWebhook, type WebhookDelivery } from './webhook-delivery';
import type { TallyEvent, WebhookStore } from './webhook.store';

export interface BatchLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface WebhookBatchDeps {
  readonly store: WebhookStore;
  readonly delivery: WebhookDelivery;
  readonly box: SecretBox;
  /** Appends a record that cannot become a webhook to its dead-letter topic. */
  readonly deadLetter: (record: ConsumedRecord, error: Error, attempts: number) => Promise<void>;
  readonly logger: BatchLogger;
}

interface Decoded {
  readonly record: ConsumedRecord;
  readonly event: EspalierEvent;
}

/**
 * One partition batch of mdm.enrollment or mdm.command: the webhooks of its
 * events, each device's strictly in log order (devices side by side), then
 * one transaction with the tallies and the checkpoint. Nothing is committed
 * until every webhook of the batch was delivered or dead-lettered, so a
 * crash or a stop re-sends rather than loses (at-least-once; receivers
 * de-duplicate by event_id).
 */
export class WebhookBatchHandler {
  private readonly rewound = new Set<string>();

  constructor(private readonly deps: WebhookBatchDeps) {}

  async handle(batch: ConsumedBatch, ctx: BatchContext): Promise<void> {
    const { store } = this.deps;
    const checkpoint = await store.checkpoint(batch.topic, batch.partition);
    const records = batch.records.filter((r) => BigInt(r.offset) > checkpoint);
    if (records.length === 0) return;
    if (this.behindCheckpoint(batch, records[0], checkpoint, ctx)) return;
    const from = await store.deliveryStart(batch.topic, batch.partition);
    const decoded = await this.decode(records, from);
    const tallyEvents = decoded.filter((d) => TALLY_EVENT_TYPES.has(d.event.type));
    const tallies = await store.tallies(tallyEvents.map((d) => d.event.deviceId ?? ''));
    const planned = await this.plan(decoded, tallies, from);
    const outcomes = await whileBeating(ctx, () => Promise.allSettled([...byDevice(planned).values()].map((items) => this.deliverInOrder(items, ctx))));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      if (!(failed.reason instanceof DeliveryStoppedError) || !ctx.seek) throw failed.reason;
      // Left unhandled on purpose: the next owner of the partition starts again at its first record.
      ctx.seek(records[0].offset);
      return;
    }
    const last = BigInt(records[records.length - 1].offset);
    await store.commit(batch.topic, batch.partition, last, tallyEvents.map(toTallyEvent));
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

  /** Bodies in log order, the tallies evolving as they go (the tally of a TokenUpdate counts it). */
  private async plan(decoded: readonly Decoded[], tallies: Tallies, from: bigint): Promise<PlannedWebhook[]> {
    const planned: PlannedWebhook[] = [];
    for (const { record, event } of decoded) {
      const tally = applyToTallies(tallies, event);
      const source = BigInt(record.offset) >= from ? webhookSourceOf(event) : null;
      if (!source) continue;
      try {
        const raw = this.open(source.raw);
        const meta = { createdAt: goRfc3339NanoUtc(event.occurredAt), eventId: event.eventId };
        const { topic, body } = webhookBody(source.kind === 'report' ? { kind: 'report', raw } : { kind: 'checkin', raw, tokenUpdateTally: tally }, meta);
        planned.push({ record, topic, eventId: event.eventId, body });
      } catch (error) {
        // The same bytes would fail the same way on every retry.
        await this.poison(record, error);
      }
    }
    return planned;
  }

  private open(raw: RawBytes): Buffer {
    return 'base64' in raw ? Buffer.from(raw.base64, 'base64') : this.deps.box.open(raw.sealed, raw.aad);
  }

  private async deliverInOrder(items: readonly PlannedWebhook[], ctx: BatchContext): Promise<void> {
    for (const item of items) await this.deps.delivery.deliver(item, ctx);
  }

  private async poison(record: ConsumedRecord, error: unknown): Promise<void> {
    const err = error instanceof Error ? error : new Error(String(error));
    await this.deps.deadLetter(record, new Error(`webhook: cannot build the body: ${err.message}`), 1);
    this.deps.logger.error({ topic: record.topic, partition: record.partition, offset: record.offset, err: err.message }, 'webhook: event sent to the dead-letter topic');
  }
}

/** kafkajs heartbeats only when asked; a batch waiting on a slow receiver (up to -webhook-timeout per POST) must keep asking. */
const HEARTBEAT_EVERY_MS = 1_000;

async function whileBeating<T>(ctx: BatchContext, work: () => Promise<T>): Promise<T> {
  // A failed heartbeat (a rebalance) is seen by the delivery's own heartbeat between retries.
  const timer = setInterval(() => void ctx.heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Kafka keys are device-channel IDs: one queue per device, in log order. */
function byDevice(planned: readonly PlannedWebhook[]): Map<string, PlannedWebhook[]> {
  const queues = new Map<string, PlannedWebhook[]>();
  for (const item of planned) {
    const key = item.record.key ?? '';
    const queue = queues.get(key);
    if (queue) queue.push(item);
    else queues.set(key, [item]);
  }
  return queues;
}

function toTallyEvent({ record, event }: Decoded): TallyEvent {
  return { type: event.type, enrollmentId: event.enrollmentId, deviceId: event.deviceId, offset: record.offset };
}
