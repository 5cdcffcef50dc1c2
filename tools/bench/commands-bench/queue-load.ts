import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { queueMigrations, queueTables } from '@espalier/commands/data-access-queue';
import { ident, runMigrations } from '@espalier/shared/data-access-postgres';
import { commandPlist } from '@espalier/shared/util-testing';

/** Commands per enrollment; submissions are spread so each enrollment's 10 are distinct. */
export const PER_ENROLLMENT = 10;
const SUBMISSIONS = 1_000;
const STRIDE = SUBMISSIONS / PER_ENROLLMENT;
export const HEAVY_ID = 'BENCH-HEAVY-ENROLLMENT';

export interface LoadedQueue {
  readonly schema: string;
  readonly enrollments: number;
  readonly rows: number;
  readonly heavyRows: number;
}

/** Submission rows with real command plists: `bench-sub-<n>` for the spread ones, `bench-heavy-<n>` for the heavy enrollment's. */
async function loadCommands(pool: Pool, s: string, prefix: string, count: number): Promise<void> {
  for (let from = 0; from < count; from += 5_000) {
    const n = Math.min(5_000, count - from);
    const uuids = Array.from({ length: n }, () => randomUUID().toUpperCase());
    await pool.query(
      `INSERT INTO ${s}.commands (submission_id, command_uuid, request_type, payload, submitted_at)
       SELECT $1::text || (g.i + $2::int)::text, g.uuid, 'DeviceInformation', g.payload, now() - interval '2 days'
         FROM unnest($3::text[], $4::bytea[]) WITH ORDINALITY AS g(uuid, payload, i)`,
      [prefix, from - 1, uuids, uuids.map((commandUuid) => commandPlist({ commandUuid, requestType: 'DeviceInformation', command: { Queries: ['DeviceName', 'OSVersion'] } }))],
    );
  }
  await pool.query(`INSERT INTO ${s}.accepted_submissions (submission_id) SELECT submission_id FROM ${s}.commands WHERE submission_id LIKE $1 || '%'`, [prefix]);
}

/**
 * Enrollment i holds submissions (i + k·100) mod 1000 for k = 0..9, queued
 * a second apart in submission order. Per enrollment: 4 answered
 * (Acknowledged, with a result), 1 NotNow, 5 pending. Every tenth device
 * re-authenticated half-way, so half its entries are cleared. Each device
 * has one cert-auth association.
 */
async function loadSpread(pool: Pool, s: string, enrollments: number): Promise<void> {
  const base = `now() - interval '1 day'`;
  await pool.query(`
    INSERT INTO ${s}.devices (id, authenticated_at)
    SELECT upper(md5('e' || i)::uuid::text), CASE WHEN i % 10 = 0 THEN ${base} + interval '${SUBMISSIONS / 2} seconds' ELSE ${base} - interval '1 day' END
      FROM generate_series(0, ${enrollments - 1}) i`);
  await pool.query(`INSERT INTO ${s}.enrollments (id, device_id, enrolled_at) SELECT id, id, authenticated_at FROM ${s}.devices`);
  await pool.query(
    `INSERT INTO ${s}.cert_associations (device_id, cert_hash, association, associated_at)
     SELECT id, md5('h' || id) || md5('g' || id), 'new', authenticated_at FROM ${s}.devices`,
  );
  await pool.query(`
    INSERT INTO ${s}.enrollment_commands (enrollment_id, command_uuid, device_id, submission_id, queued_at, queue_seq,
                                          delivered_at, deliveries, status, result, reported_at, not_now_at, not_now_tally)
    SELECT e.id, c.command_uuid, e.id, c.submission_id, ${base} + make_interval(secs => x.sub), lpad(x.sub::text, 8, '0'),
           CASE WHEN x.h <= 4 THEN ${base} + make_interval(secs => x.sub + 1) END, CASE WHEN x.h <= 4 THEN 1 ELSE 0 END,
           CASE WHEN x.h < 4 THEN 'Acknowledged' WHEN x.h = 4 THEN 'NotNow' END,
           CASE WHEN x.h <= 4 THEN convert_to(repeat('<key>QueryResponses</key>', 12), 'UTF8') END,
           CASE WHEN x.h <= 4 THEN ${base} + make_interval(secs => x.sub + 2) END,
           CASE WHEN x.h = 4 THEN ${base} + make_interval(secs => x.sub + 2) END, CASE WHEN x.h = 4 THEN 1 ELSE 0 END
      FROM (SELECT i, upper(md5('e' || i)::uuid::text) AS id FROM generate_series(0, ${enrollments - 1}) i) e
     CROSS JOIN generate_series(0, ${PER_ENROLLMENT - 1}) k
     CROSS JOIN LATERAL (SELECT (e.i + k * ${STRIDE}) % ${SUBMISSIONS} AS sub, (e.i * 7 + k * 3) % 10 AS h) x
      JOIN ${s}.commands c ON c.submission_id = 'bench-sub-' || x.sub`);
}

/** One enrollment with `rows` pending entries: what an Authenticate must clear without touching them. */
async function loadHeavy(pool: Pool, s: string, rows: number): Promise<void> {
  await pool.query(`INSERT INTO ${s}.devices (id, authenticated_at) VALUES ($1, now() - interval '2 days')`, [HEAVY_ID]);
  await pool.query(`INSERT INTO ${s}.enrollments (id, device_id, enrolled_at) VALUES ($1, $1, now() - interval '2 days')`, [HEAVY_ID]);
  await pool.query(`INSERT INTO ${s}.cert_associations VALUES ($1, md5('h' || $1) || md5('g' || $1), 'new', now() - interval '2 days')`, [HEAVY_ID]);
  await pool.query(
    `INSERT INTO ${s}.enrollment_commands (enrollment_id, command_uuid, device_id, submission_id, queued_at, queue_seq)
     SELECT $1, c.command_uuid, $1, c.submission_id, now() - interval '1 day' + make_interval(secs => g), lpad(g::text, 8, '0')
       FROM generate_series(0, $2::int - 1) g JOIN ${s}.commands c ON c.submission_id = 'bench-heavy-' || g`,
    [HEAVY_ID, rows],
  );
}

/** A scratch schema with the real queue migrations, bulk-loaded and analysed. */
export async function loadQueue(pool: Pool, schema: string, rows: number, heavyRows: number): Promise<LoadedQueue> {
  const s = ident(schema);
  await runMigrations(pool, schema, queueMigrations);
  const enrollments = Math.max(1, Math.floor(rows / PER_ENROLLMENT));
  await loadCommands(pool, s, 'bench-sub-', SUBMISSIONS);
  await loadCommands(pool, s, 'bench-heavy-', heavyRows);
  await loadSpread(pool, s, enrollments);
  await loadHeavy(pool, s, heavyRows);
  for (const table of queueTables) await pool.query(`VACUUM ANALYZE ${s}.${table}`);
  return { schema, enrollments, rows: enrollments * PER_ENROLLMENT, heavyRows };
}
