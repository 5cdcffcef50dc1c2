import type { EventOf } from '@espalier/contracts/events';
import { prepared, type Tx } from '@espalier/shared/data-access-postgres';

type Queued = EventOf<'CommandQueued'>;
type Reported = EventOf<'CommandReported'>;

const entryOf = (enrollmentId: string, commandUuid: string) => `${enrollmentId}\u0000${commandUuid}`;

/**
 * Device traffic (a command queued, then reported on) is most of the log, so
 * api.registry writes it set-based, a run at a time: the run's queue entries
 * first, then its reports, then the last-seen times they carry — a handful
 * of statements per batch whatever its size. A CommandQueued for an entry the
 * run already reported on (a reused UUID) resets it, so it ends the run.
 */
export class RegistryTraffic {
  private queued = new Map<string, Queued>();
  private reported: Reported[] = [];
  private readonly touched = new Set<string>();

  constructor(
    private readonly tx: Tx,
    private readonly s: string,
  ) {}

  async queue(e: Queued): Promise<void> {
    const entry = entryOf(e.enrollmentId, e.data.commandUuid);
    if (this.touched.has(entry)) await this.flush();
    // The latest CommandQueued of an entry wins, as one upsert each would.
    this.queued.delete(entry);
    this.queued.set(entry, e);
  }

  report(e: Reported): void {
    if (e.data.commandUuid !== null) this.touched.add(entryOf(e.enrollmentId, e.data.commandUuid));
    this.reported.push(e);
  }

  async flush(): Promise<void> {
    const queued = [...this.queued.values()];
    const reported = this.reported;
    this.queued = new Map();
    this.reported = [];
    this.touched.clear();
    if (queued.length > 0) await this.writeQueued(queued);
    if (reported.length > 0) {
      await this.writeReports(reported.filter((r) => r.data.commandUuid !== null));
      await this.writeSeen(reported);
    }
  }

  private writeQueued(events: readonly Queued[]) {
    return this.tx.query(
      prepared(`INSERT INTO ${this.s}.queue (enrollment_id, command_uuid, device_id, request_type, queued_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
       ON CONFLICT (enrollment_id, command_uuid) DO UPDATE SET queued_at = excluded.queued_at, status = NULL, not_now_count = 0, reported_at = NULL, result = NULL`),
      [events.map((e) => e.enrollmentId), events.map((e) => e.data.commandUuid), events.map((e) => e.deviceId), events.map((e) => e.data.requestType), events.map((e) => e.occurredAt)],
    );
  }

  /** Per entry: the last report's status, time and bytes; NotNows counted (§7.2). */
  private writeReports(events: readonly Reported[]) {
    const per = new Map<string, { e: Reported; notNows: number }>();
    for (const e of events) {
      const entry = entryOf(e.enrollmentId, e.data.commandUuid as string);
      per.set(entry, { e, notNows: (per.get(entry)?.notNows ?? 0) + (e.data.status === 'NotNow' ? 1 : 0) });
    }
    const rows = [...per.values()];
    return this.tx.query(
      prepared(`UPDATE ${this.s}.queue q SET status = v.status, reported_at = v.at, result = v.result, not_now_count = q.not_now_count + v.not_nows
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bytea[], $6::int[]) AS v(e, c, status, at, result, not_nows)
        WHERE q.enrollment_id = v.e AND q.command_uuid = v.c`),
      [
        rows.map((r) => r.e.enrollmentId), rows.map((r) => r.e.data.commandUuid), rows.map((r) => r.e.data.status), rows.map((r) => r.e.occurredAt),
        rows.map((r) => Buffer.from(r.e.data.raw, 'base64')), rows.map((r) => r.notNows),
      ],
    );
  }

  /** Last seen and the certificate used, per enrollment: the latest report's (the same rule as the check-ins' single writes). */
  private writeSeen(events: readonly Reported[]) {
    const latest = new Map<string, { at: string; hash: string | null; certAt: string | null }>();
    for (const e of events) {
      const row = latest.get(e.enrollmentId) ?? { at: e.occurredAt, hash: null, certAt: null };
      if (Date.parse(e.occurredAt) > Date.parse(row.at)) row.at = e.occurredAt;
      const hash = e.data.certificate?.hash ?? null;
      if (hash !== null && (row.certAt === null || Date.parse(e.occurredAt) >= Date.parse(row.certAt))) Object.assign(row, { hash, certAt: e.occurredAt });
      latest.set(e.enrollmentId, row);
    }
    const ids = [...latest.keys()];
    const rows = [...latest.values()];
    return this.tx.query(
      prepared(`INSERT INTO ${this.s}.seen AS x (enrollment_id, last_seen_at, cert_hash, cert_at)
       SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::text[], $4::timestamptz[])
       ON CONFLICT (enrollment_id) DO UPDATE SET last_seen_at = GREATEST(x.last_seen_at, excluded.last_seen_at),
         cert_hash = CASE WHEN excluded.cert_at IS NOT NULL AND (x.cert_at IS NULL OR excluded.cert_at >= x.cert_at) THEN excluded.cert_hash ELSE x.cert_hash END,
         cert_at = CASE WHEN excluded.cert_at IS NOT NULL AND (x.cert_at IS NULL OR excluded.cert_at >= x.cert_at) THEN excluded.cert_at ELSE x.cert_at END`),
      [ids, rows.map((r) => r.at), rows.map((r) => r.hash), rows.map((r) => r.certAt)],
    );
  }
}
