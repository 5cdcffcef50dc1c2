import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { TOPICS, type EspalierEvent } from '@espalier/contracts/events';
import { createPool, ident, migrateService, withTransaction, type PositionedEvent } from '@espalier/shared/data-access-postgres';
import { testInfra, uniqueName } from '@espalier/shared/util-testing';
import { authenticated, fresh, H1, H2, queued, raw, rejected, reported, submitted, tokenUpdated, type Submission } from './queue.given';
import { QueueStateReader, type ReportLookup } from './queue-state.reader';
import { queueProjection } from './queue.projection';

describe('QueueStateReader against PostgreSQL', () => {
  let pool: Pool;
  const schemas: string[] = [];
  let offset = 0;

  const setup = async (deleteAnswered = false) => {
    const s = uniqueName('commands_r');
    schemas.push(s);
    const projection = queueProjection({ schema: s, deleteAnswered });
    await migrateService(pool, { schema: s, migrations: [], projections: [projection] });
    /** Applies events as one batch in one transaction, the way ProjectionRunner does (synthetic positions). */
    const given = async (...events: EspalierEvent[]) => {
      const positioned: PositionedEvent[] = events.map((event) => ({ event, position: { topic: TOPICS.command, partition: 0, offset: String(offset++) } }));
      await withTransaction(pool, (tx) => projection.apply({ tx, schema: ident(s) }, positioned));
    };
    const reader = new QueueStateReader(pool, s);
    /**
     * The report lookup as ReportService makes it; `next` is what the domain's
     * nextCommandQuery derives from the report (an Idle report by default).
     */
    const state = (on: { dev: string; enr?: string }, over: Partial<ReportLookup> = {}) =>
      reader.reportState({
        enrollmentId: on.enr ?? on.dev,
        deviceChannelId: on.dev,
        certHash: H1,
        commandUuid: '',
        next: { excludeCommandUuid: null, skipNotNow: false },
        deleteAnswered,
        ...over,
      });
    const next = async (on: { dev: string; enr?: string }, query: ReportLookup['next'] = { excludeCommandUuid: null, skipNotNow: false }) => {
      const reply = (await state(on, { next: query })).next;
      if (reply !== null) assert.deepStrictEqual(reply.payload, raw(reply.commandUuid), 'the exact enqueued bytes');
      return reply?.commandUuid ?? null;
    };
    return { given, reader, state, next };
  };

  before(() => {
    pool = createPool({ connectionString: testInfra().databaseUrl, applicationName: 'queue-reader-test', max: 4 });
  });
  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`);
    await pool.end();
  });

  describe('reportState: the reply (§7.2 step 3)', () => {
    it('serves FIFO by queue time, then by CommandQueued event ID, with the exact payload; answered entries never', async () => {
      const { given, next } = await setup();
      const dev = fresh();
      const [a, b, c] = [submitted(1, [dev]), submitted(1, [dev]), submitted(1, [dev])];
      // b and c are queued in the same second: the lower event ID goes first, whatever the apply order.
      const [earlier, later] = [queued(b, { dev, at: 3 }), queued(c, { dev, at: 3 })].sort((x, y) => (x.eventId < y.eventId ? -1 : 1));
      await given(a, b, c, later);
      await given(queued(a, { dev, at: 2 }), earlier);
      const uuidOf = (q: typeof earlier) => q.data.commandUuid;

      assert.equal(await next({ dev }), a.data.commandUuid);
      await given(reported('Acknowledged', a.data.commandUuid, { dev, at: 4 }));
      assert.equal(await next({ dev }), uuidOf(earlier));
      await given(reported('Error', uuidOf(earlier), { dev, at: 5 }));
      assert.equal(await next({ dev }), uuidOf(later));
      await given(reported('CommandFormatError', uuidOf(later), { dev, at: 6 }));
      assert.equal(await next({ dev }), null);
    });

    it('NotNow: skipped only by the reply to a NotNow, keeps its place otherwise; the reported command is excluded', async () => {
      const { given, next } = await setup();
      const dev = fresh();
      const [a, b] = [submitted(1, [dev]), submitted(1, [dev])];
      await given(a, b, queued(a, { dev, at: 2 }), queued(b, { dev, at: 3 }), reported('NotNow', a.data.commandUuid, { dev, at: 4 }));
      const [A, B] = [a.data.commandUuid, b.data.commandUuid];

      assert.equal(await next({ dev }, { excludeCommandUuid: A, skipNotNow: true }), B, 'the reply to the NotNow skips A');
      assert.equal(await next({ dev }), A, 'an Idle gets A again: it kept its place');
      assert.equal(await next({ dev }, { excludeCommandUuid: B, skipNotNow: false }), A, 'Ack B → A again (§7.2)');
      assert.equal(await next({ dev }, { excludeCommandUuid: A, skipNotNow: false }), B, 'the reported command is not its own reply');
      await given(reported('NotNow', B, { dev, at: 5 }));
      assert.equal(await next({ dev }, { excludeCommandUuid: B, skipNotNow: true }), null);
    });

    it("each enrollment has its own queue: the device channel never gets its user channel's commands, nor the reverse", async () => {
      const { given, next } = await setup();
      const dev = fresh();
      const user = `${dev}:${fresh()}`;
      const [forDevice, forUser] = [submitted(1, [dev]), submitted(1, [user])];
      await given(forDevice, forUser, queued(forUser, { dev, enr: user, at: 2 }));
      assert.equal(await next({ dev }), null);
      await given(queued(forDevice, { dev, at: 3 }));
      assert.deepStrictEqual([await next({ dev }), await next({ dev, enr: user })], [forDevice.data.commandUuid, forUser.data.commandUuid]);
    });

    it("Authenticate clears the device's queues, user channels included (§7.5); entries queued after it are served", async () => {
      const { given, next } = await setup();
      const dev = fresh();
      const user = `${dev}:${fresh()}`;
      const [cleared, forUser, later] = [submitted(1, [dev]), submitted(1, [user]), submitted(1, [dev])];
      await given(cleared, forUser, later, queued(cleared, { dev, at: 2 }), queued(forUser, { dev, enr: user, at: 2 }));
      await given(reported('NotNow', cleared.data.commandUuid, { dev, at: 3 }), authenticated({ dev, at: 4 }));
      assert.deepStrictEqual([await next({ dev }), await next({ dev, enr: user })], [null, null], 'unanswered and NotNow entries are cleared');

      // Applied after an earlier Authenticate arrives late (another topic): the boundary is the latest time.
      await given(queued(later, { dev, at: 5 }), authenticated({ dev, at: 1 }));
      assert.equal(await next({ dev }), later.data.commandUuid);
    });
  });

  describe('reportState: what a report may store (§7.2 step 2, §8.4)', () => {
    it('commandKnown, keep mode: some enrollment has the UUID queued, answered or not', async () => {
      const { given, state } = await setup();
      const [dev, other] = [fresh(), fresh()];
      const s = submitted(1, [other]);
      const known = (commandUuid: string) => state({ dev }, { commandUuid }).then((r) => r.commandKnown);
      assert.equal(await known(s.data.commandUuid), false, 'submitted is not queued');
      await given(s, queued(s, { dev: other, at: 2 }));
      assert.equal(await known(s.data.commandUuid), true, "another enrollment's entry counts");
      await given(reported('Acknowledged', s.data.commandUuid, { dev: other, at: 3 }));
      assert.equal(await known(s.data.commandUuid), true, 'answered, still known');
      assert.equal(await known(fresh()), false);
      assert.equal(await known(''), false, 'no CommandUUID');
    });

    it('commandKnown, delete mode: false once every queued entry is answered (NanoMDM deleted the command)', async () => {
      const { given, state } = await setup(true);
      const [dev, other] = [fresh(), fresh()];
      const s = submitted(1, [dev, other]);
      const known = () => state({ dev }, { commandUuid: s.data.commandUuid }).then((r) => r.commandKnown);
      await given(s, queued(s, { dev, at: 2 }), queued(s, { dev: other, at: 2 }), reported('Acknowledged', s.data.commandUuid, { dev, at: 3 }));
      assert.equal(await known(), true, 'one target still has it');
      await given(reported('NotNow', s.data.commandUuid, { dev: other, at: 4 }));
      assert.equal(await known(), true, 'NotNow is not an answer');
      await given(reported('Error', s.data.commandUuid, { dev: other, at: 5 }));
      assert.equal(await known(), false);
    });

    it("association facts: the hash's owners, whether this device is one, whether it has any", async () => {
      const { given, state } = await setup();
      const [dev, other, bare] = [fresh(), fresh(), fresh()];
      await given(authenticated({ dev, at: 1, cert: { hash: H1, association: 'new' } }), authenticated({ dev: other, at: 1, cert: { hash: H2, association: 'new' } }));
      assert.deepStrictEqual((await state({ dev })).association, { withThisDevice: true, hashOwners: [dev], deviceHasAny: true });
      assert.deepStrictEqual((await state({ dev: other })).association, { withThisDevice: false, hashOwners: [dev], deviceHasAny: true });
      assert.deepStrictEqual((await state({ dev: bare }, { certHash: '33'.repeat(32) })).association, { withThisDevice: false, hashOwners: [], deviceHasAny: false });
    });
  });

  describe('submissionState (§7.1, §7.3)', () => {
    it("undecided until queued; accepted with the targets queued so far; rejected once its CommandRejected removed it", async () => {
      const { given, reader } = await setup();
      const [dev, other] = [fresh(), fresh()];
      const s = submitted(1, [dev, other]);
      const refused = submitted(1, [dev]);
      const of = (x: Submission) => reader.submissionState(x.eventId, x.data.commandUuid, false);

      await given(s, refused);
      assert.deepStrictEqual(await of(s), { submission: 'undecided', uuidTaken: false, queuedTargets: new Set() });
      await given(queued(s, { dev, at: 2 }));
      assert.deepStrictEqual(await of(s), { submission: 'accepted', uuidTaken: false, queuedTargets: new Set([dev]) });
      await given(queued(s, { dev: other, at: 2 }));
      assert.deepStrictEqual((await of(s)).queuedTargets, new Set([dev, other]));

      await given(rejected(refused, 3));
      assert.deepStrictEqual(await of(refused), { submission: 'rejected', uuidTaken: false, queuedTargets: new Set() });
    });

    it('uuidTaken: keep mode, while another submission has it queued anywhere, answered or not', async () => {
      const { given, reader } = await setup();
      const dev = fresh();
      const first = submitted(1, [dev]);
      const again = submitted(3, [dev], first.data.commandUuid);
      await given(first, queued(first, { dev, at: 2 }), reported('Acknowledged', first.data.commandUuid, { dev, at: 2 }), again);
      assert.equal((await reader.submissionState(again.eventId, again.data.commandUuid, false)).uuidTaken, true);
      assert.equal((await reader.submissionState(first.eventId, first.data.commandUuid, false)).uuidTaken, false, 'its own entries do not count');
    });

    it('uuidTaken: delete mode, only while some target has it unanswered or NotNow', async () => {
      const { given, reader } = await setup(true);
      const [dev, other] = [fresh(), fresh()];
      const first = submitted(1, [dev, other]);
      const again = submitted(3, [dev], first.data.commandUuid);
      const taken = async () => (await reader.submissionState(again.eventId, again.data.commandUuid, true)).uuidTaken;
      await given(first, queued(first, { dev, at: 2 }), queued(first, { dev: other, at: 2 }), again);
      assert.equal(await taken(), true);
      await given(reported('Acknowledged', first.data.commandUuid, { dev, at: 3 }), reported('NotNow', first.data.commandUuid, { dev: other, at: 3 }));
      assert.equal(await taken(), true, 'NotNow is not an answer');
      await given(reported('Acknowledged', first.data.commandUuid, { dev: other, at: 4 }));
      assert.equal(await taken(), false);
    });
  });

  it('knownEnrollments: the IDs that had a TokenUpdate, each with its device channel', async () => {
    const { given, reader } = await setup();
    const dev = fresh();
    const user = `${dev}:${fresh()}`;
    await given(tokenUpdated({ dev, at: 1 }), tokenUpdated({ dev, enr: user, at: 2 }), authenticated({ dev: fresh(), at: 3 }));
    assert.deepStrictEqual(await reader.knownEnrollments([dev, user, fresh()]), new Map([[dev, dev], [user, dev]]));
    assert.deepStrictEqual(await reader.knownEnrollments([]), new Map());
  });
});
