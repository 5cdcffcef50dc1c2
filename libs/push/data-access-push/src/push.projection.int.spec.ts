import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { encodeEvent, TOPICS, type EspalierEvent } from '@espalier/contracts/events';
import { createPool, ident, migrateService, withTransaction, type PositionedEvent, type Projection } from '@espalier/shared/data-access-postgres';
import { testInfra, uniqueName } from '@espalier/shared/util-testing';
import { certUploaded, D, fresh, pushFailed, pushSent, token, tokenUpdated, TOPIC } from './push.given';
import { pushTables } from './push.migrations';
import { pushTargetsProjection } from './push.projection';
import { PushTargetsReader } from './push-targets.reader';

describe('push.targets projection against PostgreSQL', () => {
  let pool: Pool;
  const schemas: string[] = [];
  let offset = 0;

  const schema = async () => {
    const s = uniqueName('push_t');
    schemas.push(s);
    const projection = pushTargetsProjection(s);
    await migrateService(pool, { schema: s, migrations: [], projections: [projection] });
    return projection;
  };
  /** Applies events as one batch in one transaction, the way ProjectionRunner does (synthetic positions). */
  const given = async (projection: Projection, ...events: EspalierEvent[]) => {
    const positioned: PositionedEvent[] = events.map((event) => ({ event, position: { topic: TOPICS.push, partition: 0, offset: String(offset++) } }));
    await withTransaction(pool, (tx) => projection.apply({ tx, schema: ident(projection.schema) }, positioned));
  };
  const rows = async (p: Projection, table: string, where = 'true', params: unknown[] = []) =>
    // Ordered by the whole row, so any table compares deterministically.
    (await pool.query(`SELECT * FROM ${ident(p.schema)}.${ident(table)} t WHERE ${where} ORDER BY t::text`, params)).rows;
  const target = async (p: Projection, id: string) => (await rows(p, 'push_targets', 'enrollment_id = $1', [id]))[0];
  const reader = (p: Projection) => new PushTargetsReader(pool, p.schema);
  const invalid = async (p: Projection, id: string) => (await reader(p).targets([id])).get(id)?.invalid;

  before(() => {
    pool = createPool({ connectionString: testInfra().databaseUrl, applicationName: 'push-projection-test', max: 4 });
  });
  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`);
    await pool.end();
  });

  describe('push data (§9.1)', () => {
    it('TokenUpdated makes a target row for the device and the user channel', async () => {
      const p = await schema();
      const dev = fresh();
      const user = `${dev}:${fresh()}`;
      await given(p, tokenUpdated({ dev, at: 1 }), tokenUpdated({ dev, enr: user, at: 2, topic: 'other.topic' }));
      assert.deepStrictEqual(await rows(p, 'push_targets'), [
        { enrollment_id: dev, device_id: dev, topic: TOPIC, token_hex: token(1), push_magic: 'MAGIC-1', token_updated_at: D(1) },
        { enrollment_id: user, device_id: dev, topic: 'other.topic', token_hex: token(2), push_magic: 'MAGIC-2', token_updated_at: D(2) },
      ].sort((x, y) => (x.enrollment_id < y.enrollment_id ? -1 : 1)));
    });

    it('the latest TokenUpdate wins, whatever order they are applied in', async () => {
      const p = await schema();
      const [a, b] = [fresh(), fresh()];
      await given(p, tokenUpdated({ dev: a, at: 3 }), tokenUpdated({ dev: a, at: 7 }));
      await given(p, tokenUpdated({ dev: b, at: 7 }));
      await given(p, tokenUpdated({ dev: b, at: 3 }));
      for (const dev of [a, b]) {
        const t = await target(p, dev);
        assert.deepStrictEqual([t.token_hex, t.push_magic, t.token_updated_at], [token(7), 'MAGIC-7', D(7)], dev);
      }
    });
  });

  describe('invalid tokens', () => {
    it('Unregistered, BadDeviceToken and DeviceTokenNotForTopic mark the target invalid; other failures and PushSent do not', async () => {
      const p = await schema();
      const [a, b, c, d] = [fresh(), fresh(), fresh(), fresh()];
      await given(p, ...[a, b, c, d].map((dev) => tokenUpdated({ dev, at: 1 })));
      await given(p, pushFailed('Unregistered', { dev: a, at: 2 }), pushFailed('BadDeviceToken', { dev: b, at: 2 }, 400));
      await given(p, pushFailed('DeviceTokenNotForTopic', { dev: c, at: 2 }, 400));
      await given(p, pushFailed('TooManyRequests', { dev: d, at: 2 }, 429), pushFailed('push data missing', { dev: d, at: 3 }, null), pushSent({ dev: d, at: 4 }));
      const targets = await reader(p).targets([a, b, c, d]);
      assert.deepStrictEqual([a, b, c, d].map((id) => targets.get(id)?.invalid), [true, true, true, false]);
      assert.deepStrictEqual(await rows(p, 'push_invalid', 'enrollment_id = $1', [a]), [{ enrollment_id: a, invalid_at: D(2), reason: 'Unregistered', token_hex: null }]);
      assert.deepStrictEqual(await rows(p, 'push_invalid', 'enrollment_id = $1', [d]), []);
    });

    it('keeps the latest refusal whatever order failures are applied in', async () => {
      const p = await schema();
      const [a, b] = [fresh(), fresh()];
      await given(p, pushFailed('BadDeviceToken', { dev: a, at: 2 }), pushFailed('Unregistered', { dev: a, at: 5 }));
      await given(p, pushFailed('Unregistered', { dev: b, at: 5 }));
      await given(p, pushFailed('BadDeviceToken', { dev: b, at: 2 }));
      for (const dev of [a, b]) {
        assert.deepStrictEqual(await rows(p, 'push_invalid', 'enrollment_id = $1', [dev]), [{ enrollment_id: dev, invalid_at: D(5), reason: 'Unregistered', token_hex: null }]);
      }
    });

    it('a later TokenUpdate resets it, and an earlier one does not, in either application order', async () => {
      const p = await schema();
      const [resetTokenFirst, resetFailureFirst, staleTokenFirst, staleFailureFirst] = [fresh(), fresh(), fresh(), fresh()];
      await given(p, tokenUpdated({ dev: resetTokenFirst, at: 5 }), pushFailed('Unregistered', { dev: resetTokenFirst, at: 3 }));
      await given(p, pushFailed('Unregistered', { dev: resetFailureFirst, at: 3 }));
      await given(p, tokenUpdated({ dev: resetFailureFirst, at: 5 }));
      await given(p, tokenUpdated({ dev: staleTokenFirst, at: 1 }), pushFailed('Unregistered', { dev: staleTokenFirst, at: 3 }));
      await given(p, pushFailed('Unregistered', { dev: staleFailureFirst, at: 3 }));
      await given(p, tokenUpdated({ dev: staleFailureFirst, at: 1 }));
      assert.deepStrictEqual(
        await Promise.all([resetTokenFirst, resetFailureFirst, staleTokenFirst, staleFailureFirst].map((id) => invalid(p, id))),
        [false, false, true, true],
      );

      // The device re-enrolls: a fresh token after the refusal makes it a valid target again.
      await given(p, tokenUpdated({ dev: staleTokenFirst, at: 8 }));
      assert.equal(await invalid(p, staleTokenFirst), false);
    });

    it('a refusal naming its token condemns that token only, not one a TokenUpdate brought while the push was in flight', async () => {
      const p = await schema();
      const [raced, same] = [fresh(), fresh()];
      // Pushed to token(1); the device sent token(5) at 5; APNs refused token(1) at 6.
      await given(p, tokenUpdated({ dev: raced, at: 1 }), tokenUpdated({ dev: raced, at: 5 }), pushFailed('Unregistered', { dev: raced, at: 6, refused: token(1) }));
      await given(p, tokenUpdated({ dev: same, at: 5 }), pushFailed('Unregistered', { dev: same, at: 6, refused: token(5) }));
      assert.deepStrictEqual([await invalid(p, raced), await invalid(p, same)], [false, true]);
      assert.deepStrictEqual(await rows(p, 'push_invalid', 'enrollment_id = $1', [same]), [
        { enrollment_id: same, invalid_at: D(6), reason: 'Unregistered', token_hex: token(5) },
      ]);
    });
  });

  describe('certificates (§9.2)', () => {
    it('a re-upload replaces the certificate and its upload ID; an older upload applied later does not', async () => {
      const p = await schema();
      const [topic, other] = [`com.apple.mgmt.${fresh()}`, `com.apple.mgmt.${fresh()}`];
      const [first, second] = [certUploaded(topic, 1), certUploaded(topic, 2)];
      await given(p, first);
      const r = reader(p);
      assert.deepStrictEqual(await r.certificate(topic), {
        certificatePem: first.data.certificatePem, privateKey: first.data.privateKey, notAfter: D(1001), uploadEventId: first.eventId,
      });
      await given(p, second);
      assert.deepStrictEqual(await r.certificate(topic), {
        certificatePem: second.data.certificatePem, privateKey: second.data.privateKey, notAfter: D(1002), uploadEventId: second.eventId,
      });

      await given(p, certUploaded(other, 2));
      await given(p, certUploaded(other, 1));
      assert.match((await r.certificate(other))?.certificatePem ?? '', /UPLOADED-2/);
      assert.equal(await r.certificate('com.apple.mgmt.never-uploaded'), null);
    });
  });

  describe('reader', () => {
    it('targets() returns push data of the known IDs only, keyed by enrollment ID', async () => {
      const p = await schema();
      const dev = fresh();
      const user = `${dev}:${fresh()}`;
      await given(p, tokenUpdated({ dev, at: 1 }), tokenUpdated({ dev, enr: user, at: 2 }), pushFailed('Unregistered', { dev, enr: user, at: 3 }));
      const targets = await reader(p).targets([dev, user, 'UNKNOWN']);
      assert.deepStrictEqual(
        targets,
        new Map([
          [dev, { deviceId: dev, topic: TOPIC, tokenHex: token(1), pushMagic: 'MAGIC-1', invalid: false }],
          [user, { deviceId: dev, topic: TOPIC, tokenHex: token(2), pushMagic: 'MAGIC-2', invalid: true }],
        ]),
      );
      assert.deepStrictEqual(await reader(p).targets([]), new Map());
    });
  });

  describe('replay (rebuild from offset 0)', () => {
    /** Two devices (one with a user channel) and two topics' certificates, in causal order. */
    const history = (): EspalierEvent[] => {
      const [a, b] = [fresh(), fresh()];
      const ua = `${a}:${fresh()}`;
      const [t1, t2] = [`com.apple.mgmt.${fresh()}`, `com.apple.mgmt.${fresh()}`];
      return [
        certUploaded(t1, 1),
        certUploaded(t2, 1),
        tokenUpdated({ dev: a, at: 2 }),
        tokenUpdated({ dev: a, enr: ua, at: 2 }),
        tokenUpdated({ dev: b, at: 2 }),
        pushSent({ dev: a, at: 3 }),
        pushFailed('Unregistered', { dev: b, at: 3 }),
        pushFailed('BadDeviceToken', { dev: a, enr: ua, at: 4 }, 400),
        certUploaded(t1, 5),
        // b re-enrolls after its refusal; ua is refused again; a's token changes.
        tokenUpdated({ dev: b, at: 6 }),
        pushFailed('Unregistered', { dev: a, enr: ua, at: 7 }),
        tokenUpdated({ dev: a, at: 8 }),
        pushFailed('TooManyRequests', { dev: a, at: 9 }, 429),
        certUploaded(t2, 10),
      ];
    };
    /** Kafka orders events only within a partition: a topic and a key. */
    const partitionsOf = (events: EspalierEvent[]) => {
      const partitions = new Map<string, EspalierEvent[]>();
      for (const e of events) {
        const { topic, key } = encodeEvent(e);
        partitions.set(`${topic}/${key}`, [...(partitions.get(`${topic}/${key}`) ?? []), e]);
      }
      return [...partitions.values()];
    };
    const roundRobin = (partitions: EspalierEvent[][]) =>
      Array.from({ length: Math.max(...partitions.map((p) => p.length)) }, (_, i) => partitions.flatMap((p) => (i < p.length ? [p[i]] : []))).flat();
    const readAll = async (p: Projection, ids: string[], topics: string[]) => {
      const r = reader(p);
      return { targets: await r.targets(ids), certs: await Promise.all(topics.map((t) => r.certificate(t))) };
    };

    it('live order and two cross-partition interleavings give identical tables and reads', async () => {
      const events = history();
      const partitions = partitionsOf(events);
      assert.ok(partitions.length >= 5, 'enrollment and push partitions of two devices, and two topics');
      const live = await schema();
      for (const e of events) await given(live, e);
      // Each partition in one batch, in reverse order of first appearance: every PushFailed of a
      // device before its TokenUpdates. A rebuild may do that: the runner applies partitions independently.
      const reversed = await schema();
      for (const part of [...partitions].reverse()) await given(reversed, ...part);
      const alternating = await schema();
      for (const e of roundRobin(partitions)) await given(alternating, e);

      for (const table of pushTables) {
        const expected = await rows(live, table);
        assert.ok(expected.length > 0, `${table} has rows`);
        assert.deepStrictEqual(await rows(reversed, table), expected, `${table}: partitions in reverse`);
        assert.deepStrictEqual(await rows(alternating, table), expected, `${table}: partitions round robin`);
      }
      const ids = (await rows(live, 'push_targets')).map((t) => t.enrollment_id as string);
      const topics = (await rows(live, 'push_certs')).map((c) => c.topic as string);
      const expected = await readAll(live, ids, topics);
      assert.deepStrictEqual([...expected.targets.values()].map((t) => t.invalid).sort(), [false, false, true], 'only ua is still refused');
      assert.deepStrictEqual(await readAll(reversed, ids, topics), expected);
      assert.deepStrictEqual(await readAll(alternating, ids, topics), expected);
    });
  });
});
