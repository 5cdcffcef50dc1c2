import type { Admin } from 'kafkajs';
import type { CommittedOffset, PartitionEnd } from '@espalier/contracts/event-log';
import { committedOffsets, topicEnds } from './admin-offsets';
import { createKafka, TrackedSockets, type KafkaClientOptions } from './kafka-client';

export interface GroupSummary {
  readonly groupId: string;
  /** The coordinator's view: Stable, Empty (no member running), PreparingRebalance, Dead… */
  readonly state: string;
  readonly members: number;
}

/**
 * A read-only view of the brokers' consumer groups for operator tools
 * (`espalier status`): no producer, no group membership, nothing written.
 */
export class KafkaConsumerGroups {
  private readonly sockets = new TrackedSockets();
  private readonly admin: Admin;

  constructor(options: KafkaClientOptions) {
    this.admin = createKafka(options, this.sockets).admin();
  }

  connect(): Promise<void> {
    return this.admin.connect();
  }

  /** Consumer groups whose ID starts with `prefix`, sorted by ID, with their state. */
  async list(prefix: string): Promise<GroupSummary[]> {
    const { groups } = await this.admin.listGroups();
    const ids = groups.filter((g) => g.groupId.startsWith(prefix)).map((g) => g.groupId).sort();
    if (ids.length === 0) return [];
    const { groups: described } = await this.admin.describeGroups(ids);
    const byId = new Map(described.map((g) => [g.groupId, g]));
    return ids.map((groupId) => ({ groupId, state: byId.get(groupId)?.state ?? 'Unknown', members: byId.get(groupId)?.members.length ?? 0 }));
  }

  /** What the group committed, on every topic it committed to. */
  committedOffsets(groupId: string): Promise<CommittedOffset[]> {
    return committedOffsets(this.admin, groupId);
  }

  endOffsets(topic: string): Promise<PartitionEnd[]> {
    return topicEnds(this.admin, topic);
  }

  async close(): Promise<void> {
    await this.admin.disconnect().catch(() => undefined);
    this.sockets.destroyAll();
  }
}
