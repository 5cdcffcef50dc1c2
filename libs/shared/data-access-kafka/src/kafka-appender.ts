import type { Producer, RecordMetadata } from 'kafkajs';
import type { LogAppender, LogPosition, LogRecord } from '@espalier/contracts/event-log';
import { GroupCommit } from './group-commit';
import type { PartitionTable } from './partition-table';

/**
 * Appends through one idempotent producer (acks=all) with group commit.
 * Each record's partition is chosen here, so its offset is known exactly:
 * records of one partition in one request form one record batch, numbered
 * from the partition's base offset in the order they were given.
 */
export class KafkaAppender implements LogAppender {
  private readonly group: GroupCommit;

  constructor(
    private readonly producer: Producer,
    private readonly partitions: PartitionTable,
  ) {
    this.group = new GroupCommit((records) => this.send(records));
  }

  append(records: readonly LogRecord[]): Promise<LogPosition[]> {
    return this.group.append(records);
  }

  flush(): Promise<void> {
    return this.group.flush();
  }

  private async send(records: readonly LogRecord[]): Promise<LogPosition[]> {
    const assigned = await Promise.all(records.map((r) => this.partitions.partitionFor(r.topic, r.key)));
    const byTopic = new Map<string, { key: string; value: Buffer; headers: Record<string, string>; partition: number }[]>();
    records.forEach((r, i) => {
      const messages = byTopic.get(r.topic) ?? [];
      messages.push({ key: r.key, value: r.value, headers: { ...r.headers }, partition: assigned[i] });
      byTopic.set(r.topic, messages);
    });
    let metadata: RecordMetadata[];
    try {
      metadata = await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (error) {
      this.partitions.invalidate();
      throw error;
    }
    return positionsOf(records, assigned, metadata);
  }
}

function positionsOf(records: readonly LogRecord[], assigned: number[], metadata: RecordMetadata[]): LogPosition[] {
  const base = new Map(metadata.map((m) => [`${m.topicName}/${m.partition}`, BigInt(m.baseOffset ?? '-1')]));
  const seen = new Map<string, bigint>();
  return records.map((r, i) => {
    const tp = `${r.topic}/${assigned[i]}`;
    const first = base.get(tp);
    if (first === undefined || first < 0n) throw new Error(`appending to ${tp}: broker returned no base offset`);
    const index = seen.get(tp) ?? 0n;
    seen.set(tp, index + 1n);
    return { topic: r.topic, partition: assigned[i], offset: (first + index).toString() };
  });
}
