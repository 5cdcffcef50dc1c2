/**
 * Go's url.Values.Encode: keys sorted by bytes, each key and value escaped as
 * url.QueryEscape does (space → `+`; only letters, digits and `-_.~` are left
 * as they are). Apple's escrowKeyUnlock endpoint receives NanoMDM's exact
 * encoding (§3.9).
 */
export function goFormEncode(values: Readonly<Record<string, string>>): string {
  return Object.keys(values)
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((key) => `${queryEscape(key)}=${queryEscape(values[key])}`)
    .join('&');
}

function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}
