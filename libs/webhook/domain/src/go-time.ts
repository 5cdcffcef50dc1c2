const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * An RFC 3339 time as Go's `time.RFC3339Nano` prints it in UTC, which is
 * what NanoMDM's webhook `created_at` is (there in the server's local zone;
 * we always send UTC, `Z`): nanosecond precision at most, trailing zeros of
 * the fraction trimmed, no fraction at all when it is zero
 * (`2025-01-02T03:04:05.1Z`, `0001-01-01T00:00:00Z`).
 */
export function goRfc3339NanoUtc(iso: string): string {
  const m = RFC3339.exec(iso);
  if (!m) throw new Error(`formatting a webhook time: not an RFC 3339 date-time: ${JSON.stringify(iso)}`);
  const [, year, month, day, hour, minute, second, fraction = '', zone] = m;
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0–99 to 1900–1999 (Go's zero time is year 1).
  const t = new Date(0);
  t.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  t.setUTCHours(Number(hour), Number(minute), Number(second), 0);
  const utc = new Date(t.getTime() - offsetMs(zone));
  const nanos = fraction.slice(0, 9).replace(/0+$/, '');
  const p = (n: number, width = 2) => String(n).padStart(width, '0');
  const date = `${p(utc.getUTCFullYear(), 4)}-${p(utc.getUTCMonth() + 1)}-${p(utc.getUTCDate())}`;
  const time = `${p(utc.getUTCHours())}:${p(utc.getUTCMinutes())}:${p(utc.getUTCSeconds())}`;
  return `${date}T${time}${nanos === '' ? '' : `.${nanos}`}Z`;
}

function offsetMs(zone: string): number {
  if (zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
}
