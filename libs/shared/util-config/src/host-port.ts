import type { HostPort } from './setting.types';

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

const PORT = /^\d{1,5}$/;

/** `:9000`, `0.0.0.0:9000`, `kafka-1:9092`, `[::1]:9000` (Go's net.SplitHostPort forms). */
export function parseHostPort(text: string, options: { requireHost?: boolean } = {}): Parsed<HostPort> {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { ok: false, reason: 'expected host:port or :port' };
  const rawHost = text.slice(0, colon);
  const rawPort = text.slice(colon + 1);
  const bracketed = rawHost.startsWith('[') && rawHost.endsWith(']');
  const host = bracketed ? rawHost.slice(1, -1) : rawHost;
  if (!bracketed && host.includes(':')) return { ok: false, reason: 'IPv6 hosts must be in brackets, like [::1]:9000' };
  if (/[\s/[\]]/.test(host)) return { ok: false, reason: 'invalid host' };
  if (host === '' && options.requireHost) return { ok: false, reason: 'expected host:port (the host is missing)' };
  if (!PORT.test(rawPort) || Number(rawPort) > 65535) return { ok: false, reason: 'port must be a number from 0 to 65535' };
  return { ok: true, value: { host: host === '' ? undefined : host, port: Number(rawPort) } };
}
