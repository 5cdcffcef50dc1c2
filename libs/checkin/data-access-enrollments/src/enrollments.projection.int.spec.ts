import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { createEvent, TOPICS, type CertificateUse, type EncryptedSecret, type EspalierEvent } from '@espalier/contracts/events';
import { createPool, ident, migrateService, withTransaction, type PositionedEvent } from '@espalier/shared/data-access-postgres';
import { SecretBox } from '@espalier/shared/util-crypto';
import { uuidv7 } from '@espalier/shared/util-ids';
import { testInfra, uniqueName } from '@espalier/shared/util-testing';
import { CheckinStateReader } from './checkin-state.reader';
import { enrollmentsProjection } from './enrollments.projection';
import { enrollmentsTables } from './enrollments.migrations';

const DEV = '470E005B-8CD0-4DB9-A1B3-0EBC340D432A';
const USER = `${DEV}:F151140B-0A8E-4B3B-8E7A-6C1B9F2C1D00`;
const OTHER = '9A1C3E5B-7D9F-4B2D-8E6A-0C2E4A6B8D0F';
const TOPIC = 'com.apple.mgmt.External.e3b8ceac-1f18-4c8e-8a63-dd17d99435d9';
const H1 = '11'.repeat(32);
const H2 = '22'.repeat(32);
const RAW = Buffer.from('<?xml version="1.0"?><plist/>');

const box = new SecretBox({ keyId: 'projection-test', key: Buffer.alloc(32, 3) });
const seal = (bytes: Buffer, enrollmentId: string) => box.seal(bytes, enrollmentId);
/** Minute n after noon, 2025-06-01: every timestamp comes from the events. */
const T = (n: number) => new Date(Date.UTC(2025, 5, 1, 12, n)).toISOString();
const D = (n: number) => new Date(T(n));

// --- given: events as the check-in service writes them ---------------------------------------
type On = { enrollmentId?: string; deviceId?: string; at: number; cert?: CertificateUse };
const meta = (on: On) => ({
  eventId: uuidv7(),
  occurredAt: T(on.at),
  enrollmentId: on.enrollmentId ?? DEV,
  deviceId: on.deviceId ?? DEV,
  source: 'checkin' as const,
  correlationId: 'projection-test',
  causationId: null,
});
const existing = (hash = H1): CertificateUse => ({ hash, association: 'existing' });
const certOf = (on: On, fallback: CertificateUse) => (on.cert === undefined ? fallback : on.cert);

const authenticated = (on: On & { serialNumber?: string }) =>
  createEvent('EnrollmentAuthenticated', { enrollmentType: 'Device', udid: on.deviceId ?? DEV, serialNumber: on.serialNumber, topic: TOPIC, certificate: certOf(on, { hash: H1, association: 'new' }), raw: RAW.toString('base64') }, meta(on));
const tokenUpdated = (on: On & { token?: string; pushMagic?: string; unlock?: EncryptedSecret }) => {
  const enrollmentId = on.enrollmentId ?? DEV;
  const deviceId = on.deviceId ?? DEV;
  const user = enrollmentId !== deviceId;
  return createEvent(
    'TokenUpdated',
    {
      enrollmentType: user ? 'User' : 'Device',
      parentId: user ? deviceId : null,
      userShortName: user ? 'alice' : undefined,
      userLongName: user ? 'Alice Appleseed' : undefined,
      pushTopic: TOPIC,
      token: on.token ?? 'c0ffee01',
      pushMagic: on.pushMagic ?? 'MAGIC-1',
      unlockToken: on.unlock,
      certificate: certOf(on, existing()),
      raw: seal(RAW, enrollmentId),
    },
    meta(on),
  );
};
const checkedOut = (on: On) => createEvent('EnrollmentCheckedOut', { certificate: certOf(on, existing()), raw: RAW.toString('base64') }, meta(on));
const userAuthenticated = (on: On & { digest: boolean }) =>
  createEvent('UserAuthenticated', { digestResponse: on.digest, stored: true, userShortName: 'alice', userLongName: 'Alice Appleseed', certificate: certOf(on, existing()), raw: RAW.toString('base64') }, meta({ enrollmentId: USER, ...on }));
const bootstrapSet = (on: On & { token: EncryptedSecret | null }) => createEvent('BootstrapTokenSet', { token: on.token, certificate: certOf(on, existing()), raw: seal(RAW, on.enrollmentId ?? DEV) }, meta(on));
const bootstrapRetrieved = (on: On & { found: boolean }) => createEvent('BootstrapTokenRetrieved', { found: on.found, certificate: certOf(on, existing()), raw: RAW.toString('base64') }, meta(on));
const dmRequested = (on: On) => createEvent('DeclarativeManagementRequested', { endpoint: 'declaration-items', certificate: certOf(on, existing()), raw: RAW.toString('base64') }, meta(on));
const tokenRequested = (on: On) => createEvent('TokenRequested', { tokenServiceType: 'com.apple.watch.pairing', certificate: certOf(on, existing()), raw: RAW.toString('base64') }, meta(on));
/** data.at, not occurredAt, is the last-seen time. */
const seen = (on: On & { seenAt: number }) => createEvent('EnrollmentSeen', { messageType: 'Idle', at: T(on.seenAt) }, meta(on));

describe('enrollments projection against PostgreSQL', () => {
  let pool: Pool;
  const schemas: string[] = [];
  let offset = 0;

  const fresh = async () => {
    const schema = uniqueName('checkin_enr');
    schemas.push(schema);
    await migrateService(pool, { schema, migrations: [], projections: [enrollmentsProjection(schema)] });
    return schema;
  };
  /** Applies events as one batch, the way ProjectionRunner does (synthetic positions). */
  const given = async (schema: string, ...events: EspalierEvent[]) => {
    const positioned: PositionedEvent[] = events.map((event) => ({ event, position: { topic: TOPICS.enrollment, partition: 0, offset: String(offset++) } }));
    await withTransaction(pool, (tx) => enrollmentsProjection(schema).apply({ tx, schema: ident(schema) }, positioned));
  };
  const rows = async (schema: string, table: string, orderBy = 'id') => (await pool.query(`SELECT * FROM ${ident(schema)}.${ident(table)} ORDER BY ${orderBy}`)).rows;
  const row = async (schema: string, table: string, id: string) => (await pool.query(`SELECT * FROM ${ident(schema)}.${ident(table)} WHERE id = $1`, [id])).rows[0];
  const associations = (schema: string) => rows(schema, 'cert_associations', 'device_id, cert_hash');

  before(() => {
    pool = createPool({ connectionString: testInfra().databaseUrl, applicationName: 'enrollments-projection-test', max: 4 });
  });
  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`);
    await pool.end();
  });

  describe('Authenticate (§6.1, §8.4)', () => {
    it('creates the devices row and records the new association, no enrollment yet', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1, serialNumber: 'C02XK0AAJG5H' }));
      assert.deepStrictEqual(await rows(s, 'devices'), [
        { id: DEV, serial_number: 'C02XK0AAJG5H', authenticate_at: D(1), token_update_at: null, unlock_token: null, unlock_token_at: null, bootstrap_token: null, bootstrap_token_at: null },
      ]);
      assert.deepStrictEqual(await associations(s), [{ device_id: DEV, cert_hash: H1, association: 'new', associated_at: D(1) }]);
      assert.deepStrictEqual(await rows(s, 'enrollments'), []);
    });

    it('records nothing for an existing association or no certificate (migration); no serial → NULL', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1, cert: existing() }), authenticated({ deviceId: OTHER, enrollmentId: OTHER, at: 2, cert: null }));
      assert.deepStrictEqual(await associations(s), []);
      assert.equal((await row(s, 'devices', OTHER)).serial_number, null);
    });

    it('re-enrollment: disables device and user channels (tally 0), touches last_seen only where enabled, clears the bootstrap token', async () => {
      const s = await fresh();
      const unlock = seal(Buffer.from('unlock'), DEV);
      await given(
        s,
        authenticated({ at: 1, serialNumber: 'OLD-SERIAL' }),
        tokenUpdated({ at: 2, unlock }),
        tokenUpdated({ enrollmentId: USER, at: 3 }),
        bootstrapSet({ at: 4, token: seal(Buffer.from('bootstrap'), DEV) }),
        // Re-enrollment with a new certificate: both channels disabled…
        authenticated({ at: 5, serialNumber: 'NEW-SERIAL', cert: { hash: H2, association: 'new' } }),
        // …then only the device channel comes back.
        tokenUpdated({ at: 6, cert: existing(H2) }),
      );
      await given(s, authenticated({ at: 7, cert: existing(H2) }));

      const device = await row(s, 'devices', DEV);
      assert.equal(device.serial_number, null, 'serial follows the latest Authenticate');
      assert.deepStrictEqual(device.authenticate_at, D(7));
      assert.equal(device.bootstrap_token, null);
      assert.equal(device.bootstrap_token_at, null);
      assert.deepStrictEqual(device.unlock_token, unlock, 'Authenticate keeps the unlock token (SQL)');
      assert.deepStrictEqual(device.token_update_at, D(6));

      const e = await rows(s, 'enrollments');
      assert.deepStrictEqual(
        e.map((r) => ({ id: r.id, enabled: r.enabled, tally: r.token_update_tally, enrolled_at: r.enrolled_at, last_seen_at: r.last_seen_at })),
        [
          { id: DEV, enabled: false, tally: 0, enrolled_at: D(6), last_seen_at: D(7) },
          // Disabled at 5 and not re-enabled: the second Authenticate leaves last_seen at 5.
          { id: USER, enabled: false, tally: 0, enrolled_at: D(3), last_seen_at: D(5) },
        ],
      );
      assert.deepStrictEqual(await associations(s), [
        { device_id: DEV, cert_hash: H1, association: 'new', associated_at: D(1) },
        { device_id: DEV, cert_hash: H2, association: 'new', associated_at: D(5) },
      ]);
    });
  });

  describe('TokenUpdate (§6.2)', () => {
    it('device channel: enrollment enabled with tally 1, enrolled_at and last_seen; devices row gets token_update_at and the sealed unlock token', async () => {
      const s = await fresh();
      const unlock = seal(Buffer.from([0, 1, 2, 0xff]), DEV);
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2, token: 'c0ffee01', pushMagic: 'MAGIC-1', unlock }));
      assert.deepStrictEqual(await rows(s, 'enrollments'), [
        { id: DEV, device_id: DEV, user_id: null, type: 'Device', topic: TOPIC, push_magic: 'MAGIC-1', token_hex: 'c0ffee01', enabled: true, token_update_tally: 1, enrolled_at: D(2), last_seen_at: D(2) },
      ]);
      const device = await row(s, 'devices', DEV);
      assert.deepStrictEqual([device.token_update_at, device.unlock_token, device.unlock_token_at], [D(2), unlock, D(2)]);
      assert.deepStrictEqual(await rows(s, 'users'), []);
    });

    it('second TokenUpdate: tally 2, enrolled_at unchanged, push data and last_seen updated, unlock token kept when absent', async () => {
      const s = await fresh();
      const unlock = seal(Buffer.from('unlock'), DEV);
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2, unlock }));
      await given(s, tokenUpdated({ at: 3, token: 'beef', pushMagic: 'MAGIC-2' }));
      const e = await row(s, 'enrollments', DEV);
      assert.deepStrictEqual(
        { tally: e.token_update_tally, enabled: e.enabled, enrolled_at: e.enrolled_at, last_seen_at: e.last_seen_at, token_hex: e.token_hex, push_magic: e.push_magic },
        { tally: 2, enabled: true, enrolled_at: D(2), last_seen_at: D(3), token_hex: 'beef', push_magic: 'MAGIC-2' },
      );
      const device = await row(s, 'devices', DEV);
      assert.deepStrictEqual([device.token_update_at, device.unlock_token, device.unlock_token_at], [D(3), unlock, D(2)]);
    });

    it('user channel: users row with names, enrollment with user_id and the device as parent', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2 }), tokenUpdated({ enrollmentId: USER, at: 3, token: 'abcd', pushMagic: 'MAGIC-U' }));
      assert.deepStrictEqual(await rows(s, 'users'), [
        { id: USER, device_id: DEV, user_short_name: 'alice', user_long_name: 'Alice Appleseed', token_update_at: D(3), user_authenticate_at: null, user_authenticate_digest_at: null },
      ]);
      assert.deepStrictEqual(await row(s, 'enrollments', USER), {
        id: USER, device_id: DEV, user_id: USER, type: 'User', topic: TOPIC, push_magic: 'MAGIC-U', token_hex: 'abcd', enabled: true, token_update_tally: 1, enrolled_at: D(3), last_seen_at: D(3),
      });
      assert.deepStrictEqual((await row(s, 'devices', DEV)).token_update_at, D(2), 'a user TokenUpdate leaves the devices row alone');
    });

    it('after re-enrollment the first TokenUpdate is tally 1 again with a new enrolled_at', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2 }), tokenUpdated({ at: 3 }), authenticated({ at: 4, cert: existing() }), tokenUpdated({ at: 5 }));
      const e = await row(s, 'enrollments', DEV);
      assert.deepStrictEqual([e.enabled, e.token_update_tally, e.enrolled_at, e.last_seen_at], [true, 1, D(5), D(5)]);
    });
  });

  describe('CheckOut (§6.3)', () => {
    it('disables the device and its user channels, tally 0, last_seen only where enabled', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2 }), tokenUpdated({ enrollmentId: USER, at: 3 }), checkedOut({ at: 4 }));
      await given(s, checkedOut({ at: 5 }));
      const e = await rows(s, 'enrollments');
      assert.deepStrictEqual(
        e.map((r) => [r.id, r.enabled, r.token_update_tally, r.last_seen_at, r.enrolled_at]),
        [
          [DEV, false, 0, D(4), D(2)],
          [USER, false, 0, D(4), D(3)],
        ],
      );
      assert.ok(await row(s, 'devices', DEV), 'no row is deleted');
    });
  });

  describe('Bootstrap token (§6.5, §6.6)', () => {
    it('SetBootstrapToken stores the sealed jsonb and touches last_seen; null clears it', async () => {
      const s = await fresh();
      const token = seal(Buffer.from('bootstrap-token'), DEV);
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2 }), bootstrapSet({ at: 3, token }));
      let device = await row(s, 'devices', DEV);
      assert.deepStrictEqual([device.bootstrap_token, device.bootstrap_token_at], [token, D(3)]);
      assert.deepStrictEqual(box.open(device.bootstrap_token, DEV), Buffer.from('bootstrap-token'), 'still opens with the enrollment id');
      assert.deepStrictEqual((await row(s, 'enrollments', DEV)).last_seen_at, D(3));

      await given(s, bootstrapSet({ at: 4, token: null }));
      device = await row(s, 'devices', DEV);
      assert.deepStrictEqual([device.bootstrap_token, device.bootstrap_token_at], [null, D(4)]);
      assert.deepStrictEqual((await row(s, 'enrollments', DEV)).last_seen_at, D(4));
    });

    it('a user-channel SetBootstrapToken updates no devices row (SQL updates by enrollment ID)', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1 }), tokenUpdated({ enrollmentId: USER, at: 2 }), bootstrapSet({ enrollmentId: USER, at: 3, token: seal(Buffer.from('t'), USER) }));
      assert.equal((await row(s, 'devices', DEV)).bootstrap_token, null);
      assert.deepStrictEqual((await row(s, 'enrollments', USER)).last_seen_at, D(3));
    });

    it('GetBootstrapToken touches last_seen only when a token was returned', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2 }), bootstrapRetrieved({ at: 3, found: false }));
      assert.deepStrictEqual((await row(s, 'enrollments', DEV)).last_seen_at, D(2));
      await given(s, bootstrapRetrieved({ at: 4, found: true }));
      assert.deepStrictEqual((await row(s, 'enrollments', DEV)).last_seen_at, D(4));
    });
  });

  describe('other check-ins', () => {
    it('UserAuthenticate upserts the users row (first / digest timestamps) and touches last_seen', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1 }), tokenUpdated({ enrollmentId: USER, at: 2 }), userAuthenticated({ at: 3, digest: false }), userAuthenticated({ at: 4, digest: true }));
      const user = await row(s, 'users', USER);
      assert.deepStrictEqual([user.user_authenticate_at, user.user_authenticate_digest_at, user.token_update_at], [D(3), D(4), D(2)]);
      assert.deepStrictEqual((await row(s, 'enrollments', USER)).last_seen_at, D(4));
    });

    it('retroactive associations are recorded from any check-in; DM and GetToken do not touch last_seen', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1, cert: null }), tokenUpdated({ at: 2, cert: null }));
      await given(s, dmRequested({ at: 3, cert: { hash: H1, association: 'retroactive' } }), tokenRequested({ at: 4, cert: existing() }), dmRequested({ at: 5, cert: existing() }));
      await given(s, tokenUpdated({ deviceId: OTHER, enrollmentId: OTHER, at: 6, cert: { hash: H2, association: 'retroactive' } }));
      assert.deepStrictEqual(await associations(s), [
        { device_id: DEV, cert_hash: H1, association: 'retroactive', associated_at: D(3) },
        { device_id: OTHER, cert_hash: H2, association: 'retroactive', associated_at: D(6) },
      ]);
      assert.deepStrictEqual((await row(s, 'enrollments', DEV)).last_seen_at, D(2));
    });

    it('EnrollmentSeen touches last_seen with its own time; an unknown enrollment is a no-op', async () => {
      const s = await fresh();
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2 }), seen({ at: 30, seenAt: 10 }), seen({ enrollmentId: USER, at: 11, seenAt: 11 }));
      const e = await rows(s, 'enrollments');
      assert.deepStrictEqual(e.map((r) => [r.id, r.last_seen_at]), [[DEV, D(10)]]);
    });

    it('every command report (Idle too) records its time in reports_seen (§6.9, as a maximum); a -retro report records its association (§8.4)', async () => {
      const s = await fresh();
      const report = (on: On & { status: string }) =>
        createEvent(
          'CommandReported',
          { commandUuid: on.status === 'Idle' ? null : 'CMD-1', status: on.status, notNow: false, raw: RAW.toString('base64'), certificate: certOf(on, existing()) },
          { ...meta(on), source: 'commands' as const },
        );
      const lastReport = async () => (await rows(s, 'reports_seen', 'enrollment_id')).map((r) => [r.enrollment_id, r.last_report_at]);
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2 }), report({ at: 5, status: 'Idle' }), report({ at: 4, status: 'Idle' }));
      assert.deepStrictEqual(await lastReport(), [[DEV, D(5)]], 'the latest report time, whatever the order');
      await given(s, report({ at: 6, status: 'Acknowledged', cert: { hash: H2, association: 'retroactive' } }));
      assert.deepStrictEqual(await lastReport(), [[DEV, D(6)]]);
      assert.deepStrictEqual((await row(s, 'enrollments', DEV)).last_seen_at, D(2), 'check-ins keep their own last-seen column');
      assert.deepStrictEqual(
        (await associations(s)).map((a) => [a.cert_hash, a.association]),
        [
          [H1, 'new'],
          [H2, 'retroactive'],
        ],
      );
    });

    it('ignores events it does not handle', async () => {
      const s = await fresh();
      const foreign = { ...meta({ at: 2 }), type: 'PushSent', version: 1, data: {} } as unknown as EspalierEvent;
      await given(s, authenticated({ at: 1 }), foreign);
      assert.equal((await rows(s, 'devices')).length, 1);
    });
  });

  describe('CheckinStateReader', () => {
    it('read: unknown device, no certificate → association null', async () => {
      const s = await fresh();
      const reader = new CheckinStateReader(pool, s);
      assert.deepStrictEqual(await reader.read(DEV, null), { deviceKnown: false, hasBootstrapToken: false, association: null });
      assert.deepStrictEqual(await reader.read(DEV, H1), { deviceKnown: false, hasBootstrapToken: false, association: { withThisDevice: false, hashOwners: [], deviceHasAny: false } });
    });

    it('read: device known, bootstrap token, associations and hash owners', async () => {
      const s = await fresh();
      const reader = new CheckinStateReader(pool, s);
      const token = seal(Buffer.from('bt'), DEV);
      await given(s, authenticated({ at: 1 }), tokenUpdated({ at: 2 }), bootstrapSet({ at: 3, token }));
      assert.deepStrictEqual(await reader.read(DEV, H1), { deviceKnown: true, hasBootstrapToken: true, association: { withThisDevice: true, hashOwners: [DEV], deviceHasAny: true } });
      assert.deepStrictEqual(await reader.read(DEV, H2), { deviceKnown: true, hasBootstrapToken: true, association: { withThisDevice: false, hashOwners: [], deviceHasAny: true } });
      assert.deepStrictEqual(await reader.read(OTHER, H1), { deviceKnown: false, hasBootstrapToken: false, association: { withThisDevice: false, hashOwners: [DEV], deviceHasAny: false } });
      assert.deepStrictEqual(await reader.bootstrapToken(DEV), token);
      assert.equal(await reader.bootstrapToken(OTHER), null);

      // A hash held by two devices (e.g. data from before cert-auth): both are owners.
      await given(s, authenticated({ deviceId: OTHER, enrollmentId: OTHER, at: 4 }));
      const shared = await reader.read(OTHER, H1);
      assert.deepStrictEqual({ ...shared, association: shared.association && { ...shared.association, hashOwners: [...shared.association.hashOwners].sort() } }, {
        deviceKnown: true,
        hasBootstrapToken: false,
        association: { withThisDevice: true, hashOwners: [DEV, OTHER].sort(), deviceHasAny: true },
      });
      await given(s, bootstrapSet({ at: 5, token: null }));
      assert.equal((await reader.read(DEV, H1)).hasBootstrapToken, false);
    });

    it('enrollmentForCertificate: the earliest association, then the lowest device id; null when unknown', async () => {
      const s = await fresh();
      const reader = new CheckinStateReader(pool, s);
      assert.equal(await reader.enrollmentForCertificate(H1), null);
      await given(s, authenticated({ deviceId: OTHER, enrollmentId: OTHER, at: 2 }), authenticated({ at: 3 }));
      assert.equal(await reader.enrollmentForCertificate(H1), OTHER);
      await given(s, authenticated({ deviceId: 'ZZZ', enrollmentId: 'ZZZ', at: 4, cert: { hash: H2, association: 'new' } }), authenticated({ deviceId: 'AAA', enrollmentId: 'AAA', at: 4, cert: { hash: H2, association: 'new' } }));
      assert.equal(await reader.enrollmentForCertificate(H2), 'AAA');
    });
  });

  it('is deterministic: the same events into two fresh schemas (one batch vs one at a time) give identical rows', async () => {
    const history: EspalierEvent[] = [
      authenticated({ at: 1, serialNumber: 'SER-1' }),
      tokenUpdated({ at: 2, unlock: seal(Buffer.from('unlock'), DEV) }),
      tokenUpdated({ enrollmentId: USER, at: 3 }),
      userAuthenticated({ at: 4, digest: false }),
      userAuthenticated({ at: 5, digest: true }),
      bootstrapSet({ at: 6, token: seal(Buffer.from('bt'), DEV) }),
      bootstrapRetrieved({ at: 7, found: true }),
      seen({ at: 8, seenAt: 8 }),
      checkedOut({ at: 9 }),
      authenticated({ at: 10, cert: { hash: H2, association: 'new' } }),
      tokenUpdated({ at: 11, cert: existing(H2) }),
      dmRequested({ deviceId: OTHER, enrollmentId: OTHER, at: 12, cert: { hash: '33'.repeat(32), association: 'retroactive' } }),
      tokenUpdated({ at: 13, cert: existing(H2) }),
      createEvent('CommandReported', { commandUuid: null, status: 'Idle', notNow: false, raw: RAW.toString('base64'), certificate: existing(H2) }, { ...meta({ at: 14 }), source: 'commands' as const }),
    ];
    const a = await fresh();
    const b = await fresh();
    await given(a, ...history);
    for (const event of history) await given(b, event);
    const orderBy: Record<string, string> = { cert_associations: 'device_id, cert_hash', reports_seen: 'enrollment_id' };
    for (const table of enrollmentsTables) {
      const left = await rows(a, table, orderBy[table] ?? 'id');
      assert.ok(left.length > 0, `${table} has rows`);
      assert.deepStrictEqual(left, await rows(b, table, orderBy[table] ?? 'id'), table);
    }
  });
});
