import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { encodeEvent, TOPICS, type EspalierEvent } from '@espalier/contracts/events';
import { createPool, ident, migrateService, withTransaction, type PositionedEvent, type Projection } from '@espalier/shared/data-access-postgres';
import { testInfra, uniqueName } from '@espalier/shared/util-testing';
import { cleared, authenticated, D, delivered, dmRequested, fresh, H1, H2, queued, raw, rejected, reported, submitted as submittedWith, tokenUpdated } from './queue.given';
import { queueTables } from './queue.migrations';
import { queueProjection } from './queue.projection';

/** Served verbatim, so not text: a binary plist with bytes no string round trip keeps. */
const PAYLOAD = Buffer.from([...Buffer.from('bplist00'), 0xd1, 0x01, 0x02, 0x00, 0xff, 0x80]);
const submitted = (at: number, enrollmentIds: string[], commandUuid = fresh()) => submittedWith(at, enrollmentIds, commandUuid, PAYLOAD);

describe('queue projection against PostgreSQL', () => {
  let pool: Pool;
  const schemas: string[] = [];
  let offset = 0;

  const schema = async (deleteAnswered = false) => {
    const s = uniqueName('commands_q');
    schemas.push(s);
    const projection = queueProjection({ schema: s, deleteAnswered });
    await migrateService(pool, { schema: s, migrations: [], projections: [projection] });
    return projection;
  };
  /** Applies events as one batch in one transaction, the way ProjectionRunner does (synthetic positions). */
  const given = async (projection: Projection, ...events: EspalierEvent[]) => {
    const positioned: PositionedEvent[] = events.map((event) => ({ event, position: { topic: TOPICS.command, partition: 0, offset: String(offset++) } }));
    await withTransaction(pool, (tx) => projection.apply({ tx, schema: ident(projection.schema) }, positioned));
  };
  const rows = async (p: Projection, table: string, where = 'true', params: unknown[] = []) =>
    // Ordered by the whole row, so any table (one column or many) compares deterministically.
    (await pool.query(`SELECT * FROM ${ident(p.schema)}.${ident(table)} t WHERE ${where} ORDER BY t::text`, params)).rows;
  const entries = (p: Projection, commandUuid: string) => rows(p, 'enrollment_commands', 'command_uuid = $1', [commandUuid]);
  const entry = async (p: Projection, enrollmentId: string, commandUuid: string) =>
    (await rows(p, 'enrollment_commands', 'enrollment_id = $1 AND command_uuid = $2', [enrollmentId, commandUuid]))[0];
  const command = async (p: Projection, submissionId: string) => (await rows(p, 'commands', 'submission_id = $1', [submissionId]))[0];
  const accepted = async (p: Projection, submissionId: string) =>
    (await pool.query(`SELECT 1 FROM ${ident(p.schema)}.accepted_submissions WHERE submission_id = $1`, [submissionId])).rowCount === 1;

  before(() => {
    pool = createPool({ connectionString: testInfra().databaseUrl, applicationName: 'queue-projection-test', max: 4 });
  });
  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`);
    await pool.end();
  });

  describe('submissions (§7.1, §7.3)', () => {
    it('CommandSubmitted stores the exact payload bytes, undecided; CommandQueued makes the entry and accepts the submission', async () => {
      const p = await schema();
      const dev = fresh();
      const s = submitted(1, [dev]);
      await given(p, s);
      assert.deepStrictEqual(await command(p, s.eventId), {
        submission_id: s.eventId, command_uuid: s.data.commandUuid, request_type: 'ProfileList', payload: PAYLOAD, submitted_at: D(1),
      });

      const q = queued(s, { dev, at: 2 });
      await given(p, q);
      assert.equal(await accepted(p, s.eventId), true);
      assert.deepStrictEqual(await entries(p, s.data.commandUuid), [
        {
          enrollment_id: dev, command_uuid: s.data.commandUuid, device_id: dev, submission_id: s.eventId, queued_at: D(2), queue_seq: q.eventId,
          delivered_at: null, deliveries: 0, status: null, result: null, reported_at: null, not_now_at: null, not_now_tally: 0,
        },
      ]);
    });

    it("CommandRejected removes its own submission's row and no other", async () => {
      const p = await schema();
      const dev = fresh();
      const refused = submitted(1, [dev]);
      const other = submitted(2, [dev]);
      await given(p, refused, other, rejected(refused, 3));
      assert.equal(await command(p, refused.eventId), undefined);
      assert.equal(await accepted(p, other.eventId), false);
    });
  });

  describe('results, keep mode (§7.2, §7.4)', () => {
    it('NotNow: first time and tally 1; again: tally 2, first time kept; Acknowledged overwrites status and result, keeps both', async () => {
      const p = await schema();
      const dev = fresh();
      const s = submitted(1, [dev]);
      const uuid = s.data.commandUuid;
      await given(p, s, queued(s, { dev, at: 2 }), reported('NotNow', uuid, { dev, at: 3 }));
      const state = async () => {
        const e = await entry(p, dev, uuid);
        return { status: e.status, result: e.result, reported_at: e.reported_at, not_now_at: e.not_now_at, tally: e.not_now_tally, queued_at: e.queued_at };
      };
      assert.deepStrictEqual(await state(), { status: 'NotNow', result: raw('NotNow'), reported_at: D(3), not_now_at: D(3), tally: 1, queued_at: D(2) });

      await given(p, reported('NotNow', uuid, { dev, at: 4 }));
      assert.deepStrictEqual(await state(), { status: 'NotNow', result: raw('NotNow'), reported_at: D(4), not_now_at: D(3), tally: 2, queued_at: D(2) });

      await given(p, reported('Acknowledged', uuid, { dev, at: 5 }));
      assert.deepStrictEqual(await state(), { status: 'Acknowledged', result: raw('Acknowledged'), reported_at: D(5), not_now_at: D(3), tally: 2, queued_at: D(2) });
    });

    it('Idle stores nothing; CommandDelivered sets delivered_at and counts deliveries', async () => {
      const p = await schema();
      const dev = fresh();
      const s = submitted(1, [dev]);
      const uuid = s.data.commandUuid;
      await given(p, s, queued(s, { dev, at: 2 }), reported('Idle', null, { dev, at: 3 }), delivered(uuid, { dev, at: 3 }));
      await given(p, reported('Idle', null, { dev, at: 4 }), delivered(uuid, { dev, at: 4 }));
      const e = await entry(p, dev, uuid);
      assert.deepStrictEqual([e.status, e.result, e.reported_at, e.delivered_at, e.deliveries], [null, null, null, D(4), 2]);
      assert.equal((await rows(p, 'enrollment_commands')).length, 1, 'no row for the Idle reports');
    });
  });

  describe('delete mode (§7.2 delete=1)', () => {
    it("an answer keeps only the status, NotNow keeps its result, an answer for an unknown entry stores nothing", async () => {
      const p = await schema(true);
      const [dev, other] = [fresh(), fresh()];
      const s = submitted(1, [dev, other]);
      const uuid = s.data.commandUuid;
      await given(p, s, queued(s, { dev, at: 2 }), queued(s, { dev: other, at: 2 }));
      await given(p, reported('Error', uuid, { dev, at: 3 }), reported('NotNow', uuid, { dev: other, at: 3 }));
      await given(p, reported('Acknowledged', fresh(), { dev, at: 4 }), reported('Acknowledged', uuid, { dev: fresh(), at: 4 }));

      const answered = await entry(p, dev, uuid);
      assert.deepStrictEqual([answered.status, answered.result, answered.reported_at], ['Error', null, D(3)]);
      const notNow = await entry(p, other, uuid);
      assert.deepStrictEqual([notNow.status, notNow.result, notNow.not_now_tally], ['NotNow', raw('NotNow'), 1]);
      assert.equal((await rows(p, 'enrollment_commands')).length, 2, 'the unknown command and enrollment left no row');
    });

    it('a UUID answered everywhere can be queued by a new submission (fresh entry); the same submission queued again changes nothing', async () => {
      const p = await schema(true);
      const [dev, other] = [fresh(), fresh()];
      const first = submitted(1, [dev, other]);
      const uuid = first.data.commandUuid;
      await given(p, first, queued(first, { dev, at: 2 }), queued(first, { dev: other, at: 2 }));
      await given(p, reported('NotNow', uuid, { dev, at: 3 }), delivered(uuid, { dev, at: 3 }), reported('Acknowledged', uuid, { dev, at: 4 }));
      await given(p, reported('Acknowledged', uuid, { dev: other, at: 4 }));

      const second = submitted(5, [dev], uuid);
      const requeued = queued(second, { dev, at: 6 });
      await given(p, second, requeued);
      const reset = {
        enrollment_id: dev, command_uuid: uuid, device_id: dev, submission_id: second.eventId, queued_at: D(6), queue_seq: requeued.eventId,
        delivered_at: null, deliveries: 0, status: null, result: null, reported_at: null, not_now_at: null, not_now_tally: 0,
      };
      assert.deepStrictEqual(await entry(p, dev, uuid), reset);
      assert.equal((await entry(p, other, uuid)).submission_id, first.eventId, 'the other target keeps its answered marker');
      assert.equal(await accepted(p, second.eventId), true);

      // A restarted enqueue appends the same decision again: it must not move the entry in the queue.
      await given(p, queued(second, { dev, at: 9 }));
      assert.deepStrictEqual(await entry(p, dev, uuid), reset);
    });
  });

  describe('enrollments, Authenticate and certificates (§6.1, §6.2, §7.5, §8.4)', () => {
    it('devices.authenticated_at is the latest Authenticate, whatever order they are applied in', async () => {
      const p = await schema();
      const [a, b] = [fresh(), fresh()];
      await given(p, authenticated({ dev: a, at: 3 }), authenticated({ dev: a, at: 7 }));
      await given(p, authenticated({ dev: b, at: 7 }), authenticated({ dev: b, at: 3 }));
      assert.deepStrictEqual(await rows(p, 'devices', 'id = ANY($1)', [[a, b]]), [a, b].sort().map((id) => ({ id, authenticated_at: D(7) })));
    });

    it('TokenUpdated makes the enrollment a queue target (device and user channel), the first time counts', async () => {
      const p = await schema();
      const dev = fresh();
      const user = `${dev}:${fresh()}`;
      await given(p, tokenUpdated({ dev, at: 1 }), tokenUpdated({ dev, enr: user, at: 2 }), tokenUpdated({ dev, at: 3 }));
      assert.deepStrictEqual(await rows(p, 'enrollments', 'device_id = $1', [dev]), [
        { id: dev, device_id: dev, enrolled_at: D(1) },
        { id: user, device_id: dev, enrolled_at: D(2) },
      ]);
    });

    it("'new' and 'retroactive' certificates associate, from check-ins and reports; 'existing' and none do not", async () => {
      const p = await schema();
      const [a, b, c] = [fresh(), fresh(), fresh()];
      await given(
        p,
        authenticated({ dev: a, at: 1, cert: { hash: H1, association: 'new' } }),
        tokenUpdated({ dev: a, at: 2, cert: { hash: H1, association: 'existing' } }),
        dmRequested({ dev: b, at: 3, cert: { hash: H2, association: 'retroactive' } }),
        reported('Idle', null, { dev: c, at: 4, cert: { hash: H1, association: 'retroactive' } }),
        reported('Idle', null, { dev: c, at: 5, cert: { hash: H2, association: 'existing' } }),
        authenticated({ dev: c, at: 6 }),
      );
      const associations = await rows(p, 'cert_associations', 'device_id = ANY($1)', [[a, b, c]]);
      const expected = [
        { device_id: a, cert_hash: H1, association: 'new', associated_at: D(1) },
        { device_id: b, cert_hash: H2, association: 'retroactive', associated_at: D(3) },
        { device_id: c, cert_hash: H1, association: 'retroactive', associated_at: D(4) },
      ];
      assert.deepStrictEqual(associations, expected.sort((x, y) => (x.device_id < y.device_id ? -1 : 1)));
    });
  });

  describe('redelivery and batching', () => {
    it('the same events applied twice leave the same rows, except the per-event NotNow and delivery counters', async () => {
      const p = await schema();
      const dev = fresh();
      const s = submitted(3, [dev]);
      const refused = submitted(3, [dev]);
      const uuid = s.data.commandUuid;
      const batch = [
        authenticated({ dev, at: 1, cert: { hash: H1, association: 'new' } }),
        tokenUpdated({ dev, at: 2 }),
        s,
        refused,
        rejected(refused, 4),
        queued(s, { dev, at: 4 }),
        delivered(uuid, { dev, at: 5 }),
        reported('NotNow', uuid, { dev, at: 6, cert: { hash: H2, association: 'retroactive' } }),
        delivered(uuid, { dev, at: 7 }),
        reported('Acknowledged', uuid, { dev, at: 8 }),
      ];
      const snapshot = async () => Object.fromEntries(await Promise.all(queueTables.map(async (t) => [t, await rows(p, t)] as const)));
      await given(p, ...batch);
      const once = await snapshot();
      await given(p, ...batch);
      const twice = await snapshot();

      // NanoMDM counts every NotNow and the projection every delivery, so a
      // counter cannot tell a redelivered event from a new one. Redelivery is
      // harmless only because ProjectionRunner stores the checkpoint in the
      // batch's transaction and skips a batch it already applied.
      const [entryOnce] = once.enrollment_commands;
      assert.deepStrictEqual(twice, {
        ...once,
        enrollment_commands: [{ ...entryOnce, not_now_tally: 2, deliveries: 4 }],
      });
      assert.deepStrictEqual([entryOnce.not_now_tally, entryOnce.deliveries, entryOnce.not_now_at], [1, 2, D(6)]);
    });

    it('two CommandQueued for one entry in a batch do not fail, and the first stands, as it does across two batches', async () => {
      const p = await schema();
      const [dev, other] = [fresh(), fresh()];
      const s = submitted(1, [dev, other]);
      const [first, again] = [queued(s, { dev, at: 2 }), queued(s, { dev, at: 3 })];
      await given(p, s, first, again);
      const [otherFirst, otherAgain] = [queued(s, { dev: other, at: 2 }), queued(s, { dev: other, at: 3 })];
      await given(p, otherFirst);
      await given(p, otherAgain);

      const position = async (id: string) => {
        const e = await entry(p, id, s.data.commandUuid);
        return [e.queued_at, e.queue_seq];
      };
      assert.deepStrictEqual(await position(dev), [D(2), first.eventId]);
      assert.deepStrictEqual(await position(other), [D(2), otherFirst.eventId]);
    });
  });

  describe('replay (rebuild from offset 0)', () => {
    /**
     * A small life of two devices (one with a user channel), in causal order.
     * Delete mode adds a UUID reused after both its targets answered.
     */
    const history = (deleteAnswered: boolean): EspalierEvent[] => {
      const [a, b] = [fresh(), fresh()];
      const ua = `${a}:${fresh()}`;
      const s1 = submitted(3, [a, ua, b]);
      const s2 = submitted(3, [a, 'UNKNOWN']);
      const s3 = submitted(5, [a, b]);
      const s4 = submitted(11, [a, b]);
      const s5 = submitted(14, [a], s3.data.commandUuid);
      return [
        authenticated({ dev: a, at: 1, cert: { hash: H1, association: 'new' } }),
        authenticated({ dev: b, at: 1, cert: { hash: H2, association: 'new' } }),
        tokenUpdated({ dev: a, at: 2 }),
        tokenUpdated({ dev: a, enr: ua, at: 2 }),
        tokenUpdated({ dev: b, at: 2 }),
        s1,
        s2,
        ...[a, ua, b].map((id) => queued(s1, { dev: id === b ? b : a, enr: id, at: 4 })),
        rejected(s2, 4),
        s3,
        queued(s3, { dev: a, at: 6 }),
        queued(s3, { dev: b, at: 6 }),
        reported('Idle', null, { dev: a, at: 7 }),
        delivered(s1.data.commandUuid, { dev: a, at: 7 }),
        reported('NotNow', s1.data.commandUuid, { dev: a, at: 8 }),
        delivered(s3.data.commandUuid, { dev: a, at: 8 }),
        reported('Acknowledged', s3.data.commandUuid, { dev: a, at: 9 }),
        reported('Error', s3.data.commandUuid, { dev: b, at: 9 }),
        authenticated({ dev: a, at: 10, cert: { hash: H1, association: 'existing' } }),
        s4,
        queued(s4, { dev: a, at: 12 }),
        queued(s4, { dev: b, at: 12 }),
        reported('Acknowledged', s1.data.commandUuid, { dev: b, at: 13, cert: { hash: '33'.repeat(32), association: 'retroactive' } }),
        cleared([b], { dev: b, at: 14 }),
        ...(deleteAnswered ? [s5, queued(s5, { dev: a, at: 15 })] : []),
        // Several reports and deliveries of one entry: in a one-batch rebuild they fold into one write.
        delivered(s1.data.commandUuid, { dev: a, at: 16 }),
        reported('NotNow', s1.data.commandUuid, { dev: a, at: 16 }),
        delivered(s1.data.commandUuid, { dev: a, at: 17 }),
        reported('Acknowledged', s1.data.commandUuid, { dev: a, at: 18 }),
        reported('Acknowledged', 'NEVER-QUEUED-' + s1.data.commandUuid, { dev: b, at: 18 }),
      ];
    };
    /** Kafka orders events only within a partition: a topic and a key (different keys may share one, or not). */
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

    for (const deleteAnswered of [false, true]) {
      it(`${deleteAnswered ? 'delete' : 'keep'} mode: live order and two cross-partition interleavings give identical tables`, async () => {
        const events = history(deleteAnswered);
        const partitions = partitionsOf(events);
        const live = await schema(deleteAnswered);
        for (const e of events) await given(live, e);
        // Each partition in one batch, in reverse order of first appearance: s1's CommandQueued
        // (device partitions) before s1 itself (its UUID's partition), every Authenticate last.
        // A rebuild may do that: the runner applies partitions independently.
        const reversed = await schema(deleteAnswered);
        for (const part of [...partitions].reverse()) await given(reversed, ...part);
        const alternating = await schema(deleteAnswered);
        for (const e of roundRobin(partitions)) await given(alternating, e);

        for (const table of queueTables) {
          const expected = await rows(live, table);
          assert.ok(expected.length > 0, `${table} has rows`);
          assert.deepStrictEqual(await rows(reversed, table), expected, `${table}: partitions in reverse`);
          assert.deepStrictEqual(await rows(alternating, table), expected, `${table}: partitions round robin`);
        }
      });
    }
  });
});
