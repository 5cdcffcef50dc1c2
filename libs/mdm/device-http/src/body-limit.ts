/**
 * A device request body travels base64 inside one event (4/3 of its size,
 * plus the envelope), so -body-limit must leave it within the log's record
 * size. Checked at start-up, not when the first large request fails.
 */
export function checkBodyLimit(service: string, bodyLimit: number, maxRecordBytes: number): void {
  const eventBytes = Math.ceil(bodyLimit / 3) * 4 + 64 * 1024;
  if (eventBytes > maxRecordBytes) {
    throw new Error(`${service}: -body-limit ${bodyLimit} is too large: its events would exceed the log's ${maxRecordBytes}-byte records`);
  }
}
