/**
 * Go's `time.Time` JSON form for a UTC certificate time: RFC 3339 with whole seconds, because
 * X.509 times carry no fractions (e.g. `2026-01-07T04:04:46Z`).
 */
export function notAfterRfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
