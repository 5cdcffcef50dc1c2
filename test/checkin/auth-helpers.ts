import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { createEvent, decodeEvent, encodeEvent, TOPICS, type EspalierEvent } from '@espalier/contracts/events';
import { uuidv7 } from '@espalier/shared/util-ids';
import { CHECKIN_CONTENT_TYPE, FIXTURE_TOPIC, waitUntil, type DeviceResponse } from '@espalier/shared/util-testing';
import type { CheckinHarness } from './checkin-harness';

export const DAY = 86_400_000;
/** The default ESPALIER_BODY_LIMIT (10 MiB). */
export const BODY_LIMIT = 10 * 1024 * 1024;

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 413: 'Payload Too Large', 500: 'Internal Server Error' };

/** NanoMDM's error reply (§3.3): exact status, status text + "\n", text/plain, nosniff. */
export function assertError(res: DeviceResponse, status: 400 | 413 | 500, what = ''): void {
  assert.equal(res.status, status, `${what}: status (body ${JSON.stringify(res.body.toString().slice(0, 80))})`);
  assert.equal(res.body.toString(), `${STATUS_TEXT[status]}\n`, `${what}: body`);
  assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8', `${what}: content-type`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
}

/** An accepted check-in: 200 and an empty body without Content-Type (all messages used here). */
export function assertOk(res: DeviceResponse, what = ''): void {
  assert.equal(res.status, 200, `${what}: status (body ${JSON.stringify(res.body.toString().slice(0, 80))})`);
  assert.equal(res.body.length, 0, `${what}: empty body`);
}

export interface ProjectionCounts {
  devices: number;
  enrollments: number;
  associations: number;
}

export async function projectionCounts(h: CheckinHarness, deviceId: string): Promise<ProjectionCounts> {
  const { rows } = await h.pool.query<ProjectionCounts>(
    `SELECT (SELECT count(*)::int FROM checkin.devices WHERE id = $1) AS devices,
            (SELECT count(*)::int FROM checkin.enrollments WHERE device_id = $1) AS enrollments,
            (SELECT count(*)::int FROM checkin.cert_associations WHERE device_id = $1) AS associations`,
    [deviceId],
  );
  return rows[0] as ProjectionCounts;
}

export type Offsets = ReadonlyMap<number, bigint>;

export async function endOffsets(h: CheckinHarness): Promise<Offsets> {
  return new Map((await h.log.endOffsets(TOPICS.enrollment)).map((e) => [e.partition, BigInt(e.high)]));
}

/**
 * Waits until the collector has read everything appended so far. Unlike EventCollector.catchUp it
 * does not wait for partitions that got nothing since `baseline` (end offsets taken once the
 * collector was running), which would never see a record when no other test writes to them.
 */
export async function catchUp(h: CheckinHarness, baseline: Offsets): Promise<void> {
  const ends = await endOffsets(h);
  await waitUntil('collector caught up', () =>
    [...ends].every(([p, high]) => high <= (baseline.get(p) ?? 0n) || h.collector.records.some((r) => r.partition === p && BigInt(r.offset) >= high - 1n)),
  20_000);
}

/** Devices only ever rejected: no event keyed by them, no projection row, once the collector read everything. */
export async function assertNoTrace(h: CheckinHarness, baseline: Offsets, deviceIds: readonly string[]): Promise<void> {
  await catchUp(h, baseline);
  for (const id of deviceIds) {
    assert.deepEqual(h.collector.events(id).map((e) => e.type), [], `no event for rejected device ${id}`);
    assert.deepEqual(await projectionCounts(h, id), { devices: 0, enrollments: 0, associations: 0 }, `no rows for ${id}`);
  }
}

/** A device's state before a rejected request, to compare with afterwards. */
export async function snapshot(h: CheckinHarness, baseline: Offsets, deviceId: string): Promise<{ events: number; rows: ProjectionCounts; tally: number | null }> {
  await catchUp(h, baseline);
  const tally = await h.pool.query<{ t: number }>('SELECT token_update_tally AS t FROM checkin.enrollments WHERE id = $1', [deviceId]);
  return { events: h.collector.events(deviceId).length, rows: await projectionCounts(h, deviceId), tally: tally.rows[0]?.t ?? null };
}

/** Events whose plain `raw` (not the sealed ones) contains `marker`: for requests that name no device. */
export function eventsMentioning(h: CheckinHarness, marker: string): EspalierEvent[] {
  return h.collector.records
    .map((r) => decodeEvent({ value: r.value, headers: r.headers }) as EspalierEvent)
    .filter((e) => {
      const raw = (e.data as { raw?: unknown }).raw;
      return typeof raw === 'string' && Buffer.from(raw, 'base64').includes(marker);
    });
}

export async function associationsOf(h: CheckinHarness, certHashHex: string): Promise<{ device_id: string; association: string }[]> {
  const { rows } = await h.pool.query<{ device_id: string; association: string }>(
    'SELECT device_id, association FROM checkin.cert_associations WHERE cert_hash = $1 ORDER BY device_id',
    [certHashHex],
  );
  return rows;
}

/**
 * An enrollment as NanoMDM's /migration leaves it (§3.10): Authenticate with no certificate, so
 * no cert-auth association. Appended straight to the log; returns once the projection has it.
 */
export async function appendMigratedEnrollment(h: CheckinHarness, deviceId: string): Promise<void> {
  const meta = {
    eventId: uuidv7(),
    occurredAt: new Date().toISOString(),
    enrollmentId: deviceId,
    deviceId,
    source: 'api' as const,
    correlationId: randomUUID(),
    causationId: null,
  };
  const raw = Buffer.from(`<?xml version="1.0"?><plist version="1.0"><dict><key>UDID</key><string>${deviceId}</string></dict></plist>`);
  const data = { enrollmentType: 'Device' as const, udid: deviceId, topic: FIXTURE_TOPIC, certificate: null, raw: raw.toString('base64') };
  await h.log.appender.append([encodeEvent(createEvent('EnrollmentAuthenticated', data, meta) as EspalierEvent)]);
  await waitUntil(`checkin.devices row of migrated ${deviceId}`, async () => (await projectionCounts(h, deviceId)).devices === 1, 20_000);
}

/**
 * A check-in whose declared Content-Length is `declared` while only `sent` bytes go out: the
 * service must refuse on the header alone, without waiting for (or reading) the body.
 */
export function putDeclaringLength(baseUrl: string, declared: number, sent: Buffer, signature: string): Promise<DeviceResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL('/mdm', baseUrl), {
      method: 'PUT',
      headers: { 'content-type': CHECKIN_CONTENT_TYPE, 'content-length': String(declared), 'mdm-signature': signature },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers.set(k, v);
        resolve({ status: res.statusCode as number, body: Buffer.concat(chunks), headers });
        req.destroy();
      });
    });
    req.write(sent);
  });
}
