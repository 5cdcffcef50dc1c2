/**
 * One undelivered webhook as the release rule sees it: the first one left
 * (lowest offset) of a device in one source topic. A device has at most one
 * such head per topic.
 */
export interface OutboxHead {
  readonly eventId: string;
  /** The Kafka key: the device-channel ID, shared by a device and its user channels. */
  readonly deviceId: string;
  readonly topic: string;
  readonly offset: bigint;
  /** The event's occurredAt, in ms: when its request was accepted. */
  readonly occurredAt: number;
  /** The other source topic's partition that holds this device's events. */
  readonly gate: PartitionRef;
  readonly nextAttemptAt: number;
  /** Another delivery (of this or another replica) holds the event until then. */
  readonly leasedUntil: number | null;
}

export interface PartitionRef {
  readonly topic: string;
  readonly partition: number;
}

/** "topic/partition" → how far (ms) that partition is known to be ingested: every event stamped before it is in the outbox. */
export type Watermarks = ReadonlyMap<string, number>;

export function watermarkKey(ref: PartitionRef): string {
  return `${ref.topic}/${ref.partition}`;
}

export interface ReleaseOptions {
  /** The clocks of the services that stamp events (check-in, commands) may differ by this much. */
  readonly marginMs: number;
  readonly now: number;
}

/**
 * Which webhooks may be posted now, oldest first, at most one per device.
 *
 * A device's next webhook is the earlier (occurredAt, then event ID) of its
 * two topic heads; within a topic, log order. It goes only once the other
 * topic's partition holding the device's events was ingested past its time
 * plus the margin: a device waits for each answer before its next request,
 * and an event is in the log before the answer, so anything the device did
 * before is then in the outbox, and its webhook would have come first.
 * Otherwise the device waits, as it does while its next webhook is being
 * posted elsewhere (leased) or waiting for a retry.
 */
export function releasable(heads: readonly OutboxHead[], watermarks: Watermarks, options: ReleaseOptions): OutboxHead[] {
  const next = new Map<string, OutboxHead>();
  for (const head of heads) {
    const known = next.get(head.deviceId);
    if (!known || before(head, known)) next.set(head.deviceId, head);
  }
  return [...next.values()].filter((head) => isDue(head, watermarks, options)).sort(byTime);
}

function isDue(head: OutboxHead, watermarks: Watermarks, { marginMs, now }: ReleaseOptions): boolean {
  if (head.nextAttemptAt > now) return false;
  if (head.leasedUntil !== null && head.leasedUntil > now) return false;
  const seen = watermarks.get(watermarkKey(head.gate));
  return seen !== undefined && seen >= head.occurredAt + marginMs;
}

/** One device's order: log order within a topic; across topics, request order as stamped. */
function before(a: OutboxHead, b: OutboxHead): boolean {
  return a.topic === b.topic ? a.offset < b.offset : byTime(a, b) < 0;
}

/** By time stamped, ties by event ID (UUIDv7, itself time-ordered). */
function byTime(a: OutboxHead, b: OutboxHead): number {
  if (a.occurredAt !== b.occurredAt) return a.occurredAt - b.occurredAt;
  return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
}
