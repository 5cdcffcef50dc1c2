import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createEvent, encodeEvent, type EspalierEvent } from '@espalier/contracts/events';
import { createPool, ident, migrateService, withTransaction, type PositionedEvent, type Projection } from '@espalier/shared/data-access-postgres';
import { SecretBox } from '@espalier/shared/util-crypto';
import { uuidv7 } from '@espalier/shared/util-ids';
import { testInfra, uniqueName } from '@espalier/shared/util-testing';
import { apiTables } from './api.migrations';
import { apiProjection } from './api.projection';
import { ApiReader } from './api.reader';
import { EnrollmentsReader } from './enrollments.reader';
import { historyProjection } from './history.projection';
import { HistoryReader } from './history.reader';

const T = (n: number) => new Date(Date.UTC(2025, 5, 1, 12, 0, n)).toISOString();
const box = new SecretBox({ keyId: 't', key: Buffer.alloc(32, 3) });
const raw = Buffer.from('<plist/>').toString('base64');
const fresh = () => randomUUID().toUpperCase();
const TOPIC = 'com.apple.mgmt.External.api-test';
type On = { dev: string; enr?: string; at: number };
const meta = (on: On, source: 'checkin' | 'commands' | 'api', causationId: string | null = null) => ({
  eventId: uuidv7(), occurredAt: T(on.at), enrollmentId: on.enr ?? on.dev, deviceId: on.dev, source, correlationId: 'api-test', causationId,
});
const anonymous = (at: number) => ({ ...meta({ dev: '-', at }, 'api'), enrollmentId: null, deviceId: null });
const cert = (n: number) => ({ hash: String(n).repeat(64).slice(0, 64), association: 'existing' as const });

const authenticated = (on: On) => createEvent('EnrollmentAuthenticated', { enrollmentType: 'Device', udid: on.dev, topic: TOPIC, certificate: cert(1), raw }, meta(on, 'checkin'));
const tokenUpdated = (on: On, c = 1) =>
  createEvent('TokenUpdated', {
    enrollmentType: on.enr ? 'User' : 'Device', parentId: on.enr ? on.dev : null, pushTopic: TOPIC, token: 'ab'.repeat(32), pushMagic: 'M',
    certificate: cert(c), raw: box.seal(Buffer.from('x'), on.enr ?? on.dev),
  }, meta(on, 'checkin'));
const checkedOut = (on: On) => createEvent('EnrollmentCheckedOut', { certificate: cert(1), raw }, meta(on, 'checkin'));
const submitted = (at: number, ids: string[], uuid = fresh()) =>
  createEvent('CommandSubmitted', { commandUuid: uuid, requestType: 'DeviceInformation', payload: raw, enrollmentIds: ids, noPush: true }, anonymous(at));
type Submission = ReturnType<typeof submitted>;
const queued = (s: Submission, on: On) => createEvent('CommandQueued', { commandUuid: s.data.commandUuid, requestType: 'DeviceInformation', noPush: true }, meta(on, 'commands', s.eventId));
const rejected = (s: Submission, at: number) =>
  createEvent('CommandRejected', { commandUuid: s.data.commandUuid, reason: 'unknown-enrollment', detail: 'x', enrollmentIds: s.data.enrollmentIds }, { ...anonymous(at), source: 'commands', causationId: s.eventId });
const reported = (status: string, uuid: string | null, on: On) =>
  createEvent('CommandReported', { commandUuid: uuid, status, notNow: status === 'NotNow', raw: Buffer.from(status).toString('base64'), certificate: cert(2) }, meta(on, 'commands'));
const cleared = (ids: string[], on: On) => createEvent('QueueCleared', { enrollmentIds: ids, reason: 'operator' }, meta(on, 'api'));
const certUploaded = (at: number) =>
  createEvent('PushCertUploaded', { topic: TOPIC, certificatePem: `-----BEGIN CERTIFICATE-----\n${at}\n-----END CERTIFICATE-----\n`, privateKey: box.seal(Buffer.from('k'), TOPIC), notAfter: T(1000 + at) }, anonymous(at));

describe('api.registry and api.history projections against PostgreSQL', () => {
  let pool: Pool;
  const schemas: string[] = [];
  let offset = 0;
  const schema = async (make = apiProjection) => {
    const s = uniqueName('api_t');
    schemas.push(s);
    const projection = make(s);
    await migrateService(pool, { schema: s, migrations: [], projections: [projection] });
    return projection;
  };
  const given = async (p: Projection, ...events: EspalierEvent[]) => {
    const positioned: PositionedEvent[] = events.map((event) => ({ event, position: { topic: encodeEvent(event).topic, partition: 0, offset: String(offset++) } }));
    await withTransaction(pool, (tx) => p.apply({ tx, schema: ident(p.schema) }, positioned));
  };
  const rows = async (p: Projection, table: string) => (await pool.query(`SELECT * FROM ${ident(p.schema)}.${ident(table)} t ORDER BY t::text`)).rows;

  before(() => {
    pool = createPool({ connectionString: testInfra().databaseUrl, applicationName: 'api-projection-test', max: 4 });
  });
  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`);
    await pool.end();
  });

  /** Two devices (one with a user channel), commands, reports, a clear, a refused submission, an upload. */
  const history = () => {
    const [a, b] = [fresh(), fresh()];
    const ua = `${a}:${fresh()}`;
    const [s1, s2, s3] = [submitted(3, [a, ua, b]), submitted(4, ['UNKNOWN']), submitted(9, [a])];
    const events: EspalierEvent[] = [
      authenticated({ dev: a, at: 1 }), tokenUpdated({ dev: a, at: 2 }), tokenUpdated({ dev: a, enr: ua, at: 2 }), tokenUpdated({ dev: b, at: 2 }),
      certUploaded(2), s1, queued(s1, { dev: a, at: 3 }), queued(s1, { dev: a, enr: ua, at: 3 }), queued(s1, { dev: b, at: 3 }), s2, rejected(s2, 4),
      reported('NotNow', s1.data.commandUuid, { dev: a, at: 5 }), reported('Acknowledged', s1.data.commandUuid, { dev: b, at: 5 }),
      checkedOut({ dev: b, at: 6 }), cleared([ua], { dev: a, enr: ua, at: 7 }), tokenUpdated({ dev: a, at: 8 }, 3), certUploaded(8),
      s3, queued(s3, { dev: a, at: 9 }), reported('Idle', null, { dev: a, at: 10 }),
    ];
    return { events, a, b, ua, s1, s2, s3 };
  };

  it('answers the read APIs from the events', async () => {
    const p = await schema();
    const h = history();
    await given(p, ...h.events);
    const reads = new EnrollmentsReader(pool, p.schema);
    const a = await reads.one(h.a);
    assert.deepStrictEqual([a?.type, a?.enabled, a?.token_update_tally, a?.cert_hash, a?.last_seen_at], ['Device', true, 2, cert(2).hash, T(10)]);
    assert.deepStrictEqual([(await reads.one(h.b))?.enabled, (await reads.one(h.ua))?.parent_id], [false, h.a]);
    assert.deepStrictEqual((await reads.queue(h.a)).map((q) => [q.command_uuid, q.status, q.not_now_count]), [[h.s1.data.commandUuid, 'NotNow', 1], [h.s3.data.commandUuid, null, 0]]);
    assert.deepStrictEqual(await reads.queue(h.ua), [], 'cleared');
    assert.deepStrictEqual(await reads.queue(h.b), [], 'answered');
    const command = await reads.command(h.s1.data.commandUuid);
    assert.deepStrictEqual(command?.enrollments.map((e) => [e.enrollment_id === h.b ? 'b' : 'other', e.status]).sort(), [['b', 'Acknowledged'], ['other', null], ['other', 'NotNow']]);
    assert.deepStrictEqual((await reads.list({ enabled: false, topic: TOPIC }, 10, null)).map((e) => e.id).filter((id) => [h.a, h.b, h.ua].includes(id)), [h.b]);
    const facts = await new ApiReader(pool, p.schema).enqueueFacts(h.s2.data.commandUuid, [h.a, 'UNKNOWN']);
    assert.deepStrictEqual(facts, { known: new Set([h.a]), uuidUsed: false }, 'a submission refused for an unknown enrollment frees its UUID');
    assert.equal((await new ApiReader(pool, p.schema).pushCertNotAfter(TOPIC))?.toISOString(), T(1008));
  });

  it('a rebuild in another cross-partition order gives identical tables', async () => {
    const { events } = history();
    const partitions = new Map<string, EspalierEvent[]>();
    for (const e of events) {
      const { topic, key } = encodeEvent(e);
      partitions.set(`${topic}/${key}`, [...(partitions.get(`${topic}/${key}`) ?? []), e]);
    }
    const live = await schema();
    for (const e of events) await given(live, e);
    const reversed = await schema();
    for (const part of [...partitions.values()].reverse()) await given(reversed, ...part);
    for (const table of apiTables) {
      const expected = await rows(live, table);
      assert.ok(expected.length > 0, `${table} has rows`);
      assert.deepStrictEqual(await rows(reversed, table), expected, table);
    }
  });

  it('writes a batch of queue traffic set-based with the same result as one event at a time', async () => {
    const dev = fresh();
    const on = (at: number) => ({ dev, at });
    const [s1, s2] = [submitted(1, [dev]), submitted(1, [dev])];
    const events: EspalierEvent[] = [
      tokenUpdated(on(1)), queued(s1, on(2)), queued(s2, on(2)),
      reported('NotNow', s1.data.commandUuid, on(3)), reported('NotNow', s1.data.commandUuid, on(4)), reported('Acknowledged', s1.data.commandUuid, on(5)),
      reported('Error', s2.data.commandUuid, on(6)),
      // s2's UUID queued again after its answer: the entry starts over.
      queued(submitted(7, [dev], s2.data.commandUuid), on(7)), reported('Idle', null, on(8)),
    ];
    const batched = await schema();
    await given(batched, ...events);
    const single = await schema();
    for (const e of events) await given(single, e);
    for (const table of apiTables) assert.deepStrictEqual(await rows(batched, table), await rows(single, table), table);
    const entries = (await rows(batched, 'queue')).map((r) => [r.command_uuid === s1.data.commandUuid ? 's1' : 's2', r.status, r.not_now_count]).sort();
    assert.deepStrictEqual(entries, [['s1', 'Acknowledged', 2], ['s2', null, 0]]);
    assert.equal((await new EnrollmentsReader(pool, batched.schema).one(dev))?.last_seen_at, T(8));
  });

  it('keeps each enrollment\'s events in time order, with log positions and without secrets; a redelivered batch adds nothing', async () => {
    const p = await schema(historyProjection);
    const h = history();
    await given(p, ...h.events);
    const reader = new HistoryReader(pool, p.schema);
    const all = { limit: 100, after: null, newestFirst: false, types: null, since: null };
    const a = await reader.page(h.a, all);
    assert.deepStrictEqual(a.map((e) => e.type), [
      'EnrollmentAuthenticated', 'TokenUpdated', 'CommandQueued', 'CommandReported', 'TokenUpdated', 'CommandQueued', 'CommandReported',
    ]);
    const update = a[1];
    assert.deepStrictEqual([update.log.topic, update.withheld, update.data['pushTopic']], ['mdm.enrollment', ['token', 'pushMagic', 'raw'], TOPIC]);
    assert.match(update.log.offset, /^\d+$/);
    assert.doesNotMatch(JSON.stringify(a), /abababab/, 'no push token');
    const ua = await reader.page(h.ua, all);
    assert.deepStrictEqual(ua.map((e) => [e.type, e.data['enrollmentCount'] ?? null]), [['TokenUpdated', null], ['CommandQueued', null], ['QueueCleared', 1]]);
    const refused = await reader.page('UNKNOWN', all);
    assert.deepStrictEqual(refused.map((e) => [e.type, e.data['reason']]), [['CommandRejected', 'unknown-enrollment']]);

    await given(p, ...h.events);
    assert.equal((await reader.page(h.a, all)).length, a.length, 'redelivery');

    const first = await reader.page(h.a, { ...all, limit: 3 });
    const rest = await reader.page(h.a, { ...all, after: { occurredAt: first[2].occurred_at, eventId: first[2].event_id } });
    assert.deepStrictEqual([...first, ...rest].map((e) => e.event_id), a.map((e) => e.event_id), 'pages join up');
    assert.deepStrictEqual((await reader.page(h.a, { ...all, newestFirst: true, limit: 2 })).map((e) => e.event_id), [a[6].event_id, a[5].event_id]);
    assert.deepStrictEqual((await reader.page(h.a, { ...all, types: ['TokenUpdated'], since: new Date(T(5)) })).map((e) => e.event_id), [a[4].event_id]);
    assert.deepStrictEqual([await reader.known(h.b), await reader.known('NEVER')], [true, false]);
  });
});
