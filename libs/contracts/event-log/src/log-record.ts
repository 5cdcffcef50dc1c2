/** One record as the event log stores it: the catalog's encoding, opaque to the log. */
export interface LogRecord {
  readonly topic: string;
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Where an appended record landed. Offsets are decimal strings: Kafka offsets are int64. */
export interface LogPosition {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** A record read back from the log, with its position. */
export interface ConsumedRecord extends LogPosition {
  readonly key: string | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly timestamp: string;
}

/** Records of one partition, in log order. */
export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ConsumedRecord[];
}
