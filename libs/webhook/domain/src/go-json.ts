const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
const GO_ESCAPED = /[<>&\u2028\u2029]/g;

/**
 * A JSON string exactly as Go's encoding/json writes it, so bodies stay
 * byte-compatible with NanoMDM's: `<`, `>`, `&`, U+2028 and U+2029 as
 * `\u003c`-style escapes, and invalid UTF-16 (which Go sees as invalid
 * UTF-8) as U+FFFD. Everything else matches JSON.stringify.
 */
export function goJsonString(value: string): string {
  return JSON.stringify(value.replace(LONE_SURROGATE, '\ufffd')).replace(GO_ESCAPED, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** A JSON value already encoded, or absent (Go's `omitempty`: the key is left out). */
export type JsonField = readonly [key: string, json: string | undefined];

/** A compact JSON object with its keys in the given order, absent fields left out. */
export function goJsonObject(fields: readonly JsonField[]): string {
  const present = fields.filter((f): f is readonly [string, string] => f[1] !== undefined);
  return `{${present.map(([key, json]) => `${goJsonString(key)}:${json}`).join(',')}}`;
}

/** A string field that Go omits when empty (`*string` left nil, or `omitempty`). */
export function optionalString(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : goJsonString(value);
}
