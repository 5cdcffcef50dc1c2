/** `process.env`, or any record like it. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** An empty variable counts as unset, as `FOO=` in a compose file usually means "no value". */
export function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}
