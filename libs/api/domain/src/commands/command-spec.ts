/** A key of an MDM command's `Command` dictionary, as Apple's schema describes it. */
export interface CommandKeySpec {
  /** The plist key; for an array's item specs, a label (the alternatives of a heterogeneous array). */
  readonly key: string;
  readonly type: 'string' | 'integer' | 'boolean' | 'real' | 'date' | 'data' | 'array' | 'dictionary' | 'any';
  readonly required: boolean;
  /** The allowed values, when Apple lists them. */
  readonly values?: readonly (string | number)[];
  /** A dictionary's keys (a key `ANY` allows any), or an array's item alternatives. */
  readonly keys?: readonly CommandKeySpec[];
}

export interface CommandSpec {
  readonly requestType: string;
  readonly title: string;
  readonly keys: readonly CommandKeySpec[];
}
