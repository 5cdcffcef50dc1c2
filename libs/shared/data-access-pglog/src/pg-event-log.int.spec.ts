import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Pool } from 'pg';
import type { BatchContext, ConsumedBatch, ConsumedRecord, LogConsumer, LogRecord, LogSubscription } from '@espalier/contracts/event-log';
import { ident } from '@espalier/shared/data-access-postgres';
import { recordingLogger, testInfra, uniqueName, waitUntil } from '@espalier/shared/util-testing';
import { PgEventLog, type PgEventLogOptions } from './pg-event-log';
import { partitionOfKey } from './topic-catalog';

/** The log port's contract, against a real PostgreSQL; every test has its own topic, the file its own schema. */
describe('PgEventLog against PostgreSQL', () => {
  const schema = uniqueName('pglog');
  const databaseUrl = testInfra().databaseUrl;
  const logger = recordingLogger();
  const logs: PgEventLog[] = [];
  let log: PgEventLog;
  let admin: Pool;

  const open = async (extra: Partial<PgEventLogOptions> = {}) => {
    const l = new PgEventLog({ connectionString: databaseUrl, schema, logger, consumer: { ownershipCheckMs: 150 }, poll: { minMs: 10, maxMs: 50 }, poolSize: 4, ...extra });
    await l.connect();
    logs.push(l);
    return l;
  };
  const topicWith = async (partitions: number) => {
    const topic = `${uniqueName('t').toLowerCase()}.enrollment`;
    await log.provisionTopics([{ topic, partitions }, { topic: `${topic}.dlq`, partitions: 1 }]);
    return topic;
  };
  const rec = (topic: string, key: string, n: number): LogRecord => ({ topic, key, value: Buffer.from(`${key}#${n}`), headers: { 'espalier-n': String(n) } });
  const consumers: LogConsumer[] = [];
  const subscribe = async (l: PgEventLog, s: Partial<LogSubscription> & Pick<LogSubscription, 'topics' | 'handleBatch'>) => {
    const c = l.subscribe({ groupId: uniqueName('g'), fromBeginning: true, ...s });
    consumers.push(c);
    await c.start();
    return c;
  };
  const total = async (topic: string) => (await log.endOffsets(topic)).reduce((n, e) => n + Number(e.high), 0);
  const committedAll = async (l: PgEventLog, groupId: string, topic: string) => {
    const ends = new Map((await l.endOffsets(topic)).map((e) => [e.partition, e.high]));
    return (await l.committedOffsets(groupId, [topic])).every((c) => (c.offset ?? '0') === ends.get(c.partition));
  };

  /** Advisory locks held by each member session of a group (its member lock plus one per owned partition), sorted. */
  const locksPerMember = async (groupId: string) =>
    (
      await admin.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid)
         WHERE l.locktype = 'advisory' AND l.granted AND a.application_name = $1 GROUP BY pid`,
        [`espalier-pglog-member:${groupId}`],
      )
    ).rows.map((r) => r.n).sort();

  before(async () => {
    admin = new Pool({ connectionString: databaseUrl, max: 2 });
    log = await open();
  });
  after(async () => {
    for (const c of consumers) await c.stop();
    for (const l of logs) await l.close();
    await admin.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`);
    await admin.end();
  });

  it('provisions topics idempotently, keeps an existing partition count, and refuses appends to unknown topics', async () => {
    const topic = await topicWith(3);
    await log.provisionTopics([{ topic, partitions: 5 }]);
    assert.ok(logger.entries.some((e) => e.msg.includes('keeps its existing partition count')));
    assert.deepEqual(await log.endOffsets(topic), [0, 1, 2].map((partition) => ({ partition, high: '0', low: '0' })));
    const { rows } = await admin.query(`SELECT partitions FROM ${ident(schema)}.topics WHERE topic = $1`, [`${topic}.dlq`]);
    assert.equal(rows[0].partitions, 1);
    await assert.rejects(log.appender.append([rec('no.such.topic', 'k', 1)]), /does not exist/);
    await log.ping();
  });

  it('writes nothing of a batch when one of its partitions has lost its counter row', async () => {
    const topic = await topicWith(2);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'];
    assert.ok(new Set(keys.map((k) => partitionOfKey(k, 2))).size === 2, 'the keys cover both partitions');
    await admin.query(`DELETE FROM ${ident(schema)}.partitions WHERE topic = $1 AND partition = 1`, [topic]);
    await assert.rejects(log.appender.append(keys.map((k, n) => rec(topic, k, n))), /partition .*\/1 does not exist/);
    const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ident(schema)}.records WHERE topic = $1`, [topic]);
    assert.equal(rows[0].n, 0, 'not even partition 0 got its records');
    assert.deepEqual(await log.endOffsets(topic), [{ partition: 0, high: '0', low: '0' }]);
  });

  it('appends durably: positions are dense from 0 per partition, and the records are there, exactly, for a new connection', async () => {
    const topic = await topicWith(4);
    const records = Array.from({ length: 200 }, (_, n) => rec(topic, `dev-${n % 13}`, n));
    const positions = (await Promise.all(records.map((r) => log.appender.append([r])))).flat();
    const byPartition = new Map<number, bigint[]>();
    for (const p of positions) byPartition.set(p.partition, [...(byPartition.get(p.partition) ?? []), BigInt(p.offset)]);
    for (const offsets of byPartition.values()) assert.deepEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)), offsets.map((_, i) => BigInt(i)));
    const ends = await log.endOffsets(topic);
    for (const e of ends) assert.equal(e.high, String(byPartition.get(e.partition)?.length ?? 0));
    const { rows } = await admin.query<{ partition: number; offset: string; key: string; value: Buffer; headers: Record<string, string> }>(
      `SELECT partition, "offset", key, value, headers FROM ${ident(schema)}.records WHERE topic = $1`,
      [topic],
    );
    const stored = new Map(rows.map((r) => [`${r.partition}/${r.offset}`, r]));
    records.forEach((r, i) => {
      const row = stored.get(`${positions[i].partition}/${positions[i].offset}`);
      assert.ok(row, `record ${i} stored at its position`);
      assert.deepEqual({ key: row.key, value: row.value, headers: row.headers }, { key: r.key, value: r.value, headers: r.headers });
    });
  });

  it('keys go to one partition each, chosen as kafkajs does (murmur2), in append order', async () => {
    const topic = await topicWith(6);
    const positions = [];
    for (let n = 0; n < 30; n++) positions.push(...(await log.appender.append([rec(topic, `dev-${n % 3}`, n)])));
    for (let n = 0; n < 30; n++) {
      assert.equal(positions[n].partition, await log.partitionFor(topic, `dev-${n % 3}`));
      assert.equal(positions[n].partition, partitionOfKey(`dev-${n % 3}`, 6));
    }
    // Java's murmur2 of "dev-0" etc. as the Kafka adapter's producer computes it (kafkajs DefaultPartitioner, 6 partitions).
    const { Partitioners } = await import('kafkajs');
    const metadata = Array.from({ length: 6 }, (_, partitionId) => ({ partitionId, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }));
    for (const key of ['dev-0', 'dev-1', 'dev-2']) {
      assert.equal(await log.partitionFor(topic, key), Partitioners.DefaultPartitioner()({ topic, partitionMetadata: metadata, message: { key, value: null } }));
    }
    const got: ConsumedRecord[] = [];
    await subscribe(log, { topics: [topic], handleBatch: async (b) => void got.push(...b.records) });
    await waitUntil('30 records consumed', () => got.length >= 30);
    for (const key of ['dev-0', 'dev-1', 'dev-2']) {
      const ns = got.filter((r) => r.key === key).map((r) => Number(r.headers['espalier-n']));
      assert.deepEqual(ns, [...ns].sort((a, b) => a - b), `records of ${key} in append order`);
    }
  });

  it('gives appends from two processes at once dense, unique offsets', async () => {
    const topic = await topicWith(2);
    const other = await open();
    const appendFrom = (l: PgEventLog, who: string) => Promise.all(Array.from({ length: 300 }, (_, n) => l.appender.append([rec(topic, `${who}-${n % 7}`, n)])));
    const [a, b] = await Promise.all([appendFrom(log, 'a'), appendFrom(other, 'b')]);
    const positions = [...a.flat(), ...b.flat()];
    for (const partition of [0, 1]) {
      const offsets = positions.filter((p) => p.partition === partition).map((p) => Number(p.offset)).sort((x, y) => x - y);
      assert.deepEqual(offsets, offsets.map((_, i) => i), `partition ${partition}: 0..n-1, each once`);
    }
    const { rows } = await admin.query(`SELECT count(*)::int AS n, count(DISTINCT (partition, "offset"))::int AS d FROM ${ident(schema)}.records WHERE topic = $1`, [topic]);
    assert.deepEqual(rows[0], { n: 600, d: 600 });
  });

  it('delivers every record once, in order per partition, and commits only after the handler resolved', async () => {
    const topic = await topicWith(3);
    await Promise.all(Array.from({ length: 150 }, (_, n) => log.appender.append([rec(topic, `dev-${n % 10}`, n)])));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const got: ConsumedRecord[] = [];
    const groupId = uniqueName('g');
    let entered = 0;
    await subscribe(log, {
      groupId,
      topics: [topic],
      handleBatch: async (b) => {
        entered += 1;
        await gate;
        got.push(...b.records);
      },
    });
    try {
      await waitUntil('handlers entered', () => entered > 0);
      await new Promise((r) => setTimeout(r, 200));
      assert.ok((await log.committedOffsets(groupId, [topic])).every((c) => c.offset === null), 'nothing committed while handlers run');
    } finally {
      release();
    }
    await waitUntil('all committed', () => committedAll(log, groupId, topic));
    assert.equal(got.length, 150);
    assert.equal(new Set(got.map((r) => `${r.partition}/${r.offset}`)).size, 150, 'no record twice');
    for (const p of [0, 1, 2]) {
      const offsets = got.filter((r) => r.partition === p).map((r) => Number(r.offset));
      assert.deepEqual(offsets, offsets.map((_, i) => i));
    }
    // Records appended later reach the running consumer.
    await log.appender.append([rec(topic, 'late', 1)]);
    await waitUntil('late record', () => got.some((r) => r.key === 'late'));
  });

  it('delivers a batch again after the handler threw, and commits it only then', async () => {
    const topic = await topicWith(1);
    await log.appender.append(Array.from({ length: 5 }, (_, n) => rec(topic, 'k', n)));
    const groupId = uniqueName('g');
    const deliveries: string[][] = [];
    await subscribe(log, {
      groupId,
      topics: [topic],
      handleBatch: async (b) => {
        deliveries.push(b.records.map((r) => r.offset));
        if (deliveries.length <= 2) throw new Error('not now');
      },
    });
    await waitUntil('handled after two failures', () => deliveries.length >= 3);
    assert.deepEqual(deliveries.slice(0, 3), [['0', '1', '2', '3', '4'], ['0', '1', '2', '3', '4'], ['0', '1', '2', '3', '4']]);
    await waitUntil('committed', () => committedAll(log, groupId, topic));
    assert.ok(logger.entries.some((e) => e.level === 'error' && e.msg.includes('delivered again') && (e.obj as { topic?: string }).topic === topic));
  });

  it('rewinds a partition on ctx.seek: the batch counts as not handled', async () => {
    const topic = await topicWith(1);
    await log.appender.append(Array.from({ length: 10 }, (_, n) => rec(topic, 'k', n)));
    const groupId = uniqueName('g');
    const deliveries: string[] = [];
    let seeked = false;
    await subscribe(log, {
      groupId,
      topics: [topic],
      handleBatch: async (b: ConsumedBatch, ctx: BatchContext) => {
        deliveries.push(`${b.records[0].offset}-${b.records[b.records.length - 1].offset}`);
        if (!seeked) {
          seeked = true;
          ctx.seek?.('6');
          assert.deepEqual(await log.committedOffsets(groupId, [topic]), [{ topic, partition: 0, offset: null }]);
        }
      },
    });
    await waitUntil('committed', () => committedAll(log, groupId, topic));
    assert.deepEqual(deliveries, ['0-9', '6-9']);
  });

  it('starts newly owned partitions where startOffsets says, over the group commits', async () => {
    const topic = await topicWith(2);
    await log.appender.append(Array.from({ length: 40 }, (_, n) => rec(topic, `dev-${n % 4}`, n)));
    const groupId = uniqueName('g');
    await admin.query(`INSERT INTO ${ident(schema)}.committed_offsets (group_id, topic, partition, "offset") VALUES ($1, $2, 0, 1), ($1, $2, 1, 1)`, [groupId, topic]);
    const got: ConsumedRecord[] = [];
    const asked: number[][] = [];
    await subscribe(log, {
      groupId,
      topics: [topic],
      startOffsets: async (t, partitions) => {
        asked.push([...partitions]);
        assert.equal(t, topic);
        return new Map(partitions.map((p) => [p, '5']));
      },
      handleBatch: async (b) => void got.push(...b.records),
    });
    await waitUntil('committed', () => committedAll(log, groupId, topic));
    assert.deepEqual(asked.flat().sort(), [0, 1]);
    for (const p of [0, 1]) assert.equal(got.filter((r) => r.partition === p)[0].offset, '5');
  });

  it('starts a new group at the end with fromBeginning false, and remembers that start', async () => {
    const topic = await topicWith(2);
    await log.appender.append(Array.from({ length: 10 }, (_, n) => rec(topic, `old-${n}`, n)));
    const groupId = uniqueName('g');
    const got: ConsumedRecord[] = [];
    await subscribe(log, { groupId, topics: [topic], fromBeginning: false, handleBatch: async (b) => void got.push(...b.records) });
    assert.ok(await committedAll(log, groupId, topic), 'the end is committed as the group start');
    await log.appender.append([rec(topic, 'new-1', 1), rec(topic, 'new-2', 2)]);
    await waitUntil('new records', () => got.length >= 2);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(got.map((r) => r.key).sort(), ['new-1', 'new-2']);
  });

  it('splits partitions between members, and a stopped member hands its partitions over without loss or repeats', async () => {
    const topic = await topicWith(6);
    const groupId = uniqueName('g');
    const seen: { member: string; partition: number; offset: string }[] = [];
    const member = (name: string) => async (b: ConsumedBatch) => void seen.push(...b.records.map((r) => ({ member: name, partition: r.partition, offset: r.offset })));
    const other = await open();
    const a = await subscribe(log, { groupId, topics: [topic], handleBatch: member('a') });
    await subscribe(other, { groupId, topics: [topic], handleBatch: member('b') });
    const appendSome = (from: number) => Promise.all(Array.from({ length: 60 }, (_, n) => log.appender.append([rec(topic, `dev-${n}`, from + n)])));
    await appendSome(0);
    await waitUntil('three partitions each', async () => JSON.stringify(await locksPerMember(groupId)) === '[4,4]', 10_000);
    await waitUntil('consumed so far', () => committedAll(log, groupId, topic));
    const split = seen.length;
    await appendSome(500);
    await waitUntil('consumed by both', () => committedAll(log, groupId, topic));
    const partsOf = (m: string) => new Set(seen.slice(split).filter((s) => s.member === m).map((s) => s.partition));
    assert.equal(partsOf('a').size, 3);
    assert.equal(partsOf('b').size, 3);
    const fromA = partsOf('a');
    await a.stop();
    const before = seen.length;
    await appendSome(1000);
    await waitUntil('b consumed everything', () => committedAll(log, groupId, topic));
    const after = seen.slice(before);
    assert.ok(after.every((s) => s.member === 'b'));
    assert.ok([...fromA].every((p) => after.some((s) => s.partition === p)), 'b took over the partitions a had');
    assert.equal(seen.length, await total(topic), 'every record handled');
    assert.equal(new Set(seen.map((s) => `${s.partition}/${s.offset}`)).size, seen.length, 'none handled twice');
  });

  it('moves a killed member process\'s partitions to the surviving member, losing and repeating no committed work', async () => {
    const topic = await topicWith(4);
    const groupId = uniqueName('g');
    const seenTable = `${ident(schema)}.seen_${uniqueName('m').toLowerCase()}`;
    await admin.query(`CREATE TABLE ${seenTable} (member text NOT NULL, partition int NOT NULL, "offset" bigint NOT NULL)`);
    await Promise.all(Array.from({ length: 80 }, (_, n) => log.appender.append([rec(topic, `dev-${n}`, n)])));
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'testing/member-process.ts')], {
      env: { ...process.env, PGLOG_SCHEMA: schema, PGLOG_TOPIC: topic, PGLOG_GROUP: groupId, PGLOG_SEEN: seenTable },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', (code) => reject(new Error(`member process exited ${code}`)));
      });
      await waitUntil('child consumed everything', () => committedAll(log, groupId, topic), 30_000);
      const survivor = async (b: ConsumedBatch) => {
        await admin.query(`INSERT INTO ${seenTable} (member, partition, "offset") SELECT 'parent', $1, unnest($2::bigint[])`, [b.partition, b.records.map((r) => r.offset)]);
      };
      await subscribe(log, { groupId, topics: [topic], handleBatch: survivor });
      // Both members hold half once the child gave two partitions up; then the child dies.
      // Each member's session holds its member lock and two partition locks once the child gave two partitions up.
      await waitUntil('partitions split two and two', async () => JSON.stringify(await locksPerMember(groupId)) === '[3,3]', 10_000);
      child.kill('SIGKILL');
      await Promise.all(Array.from({ length: 80 }, (_, n) => log.appender.append([rec(topic, `dev-${n}`, 100 + n)])));
      await waitUntil('survivor consumed everything', () => committedAll(log, groupId, topic), 30_000);
    } finally {
      child.kill('SIGKILL');
    }
    const { rows } = await admin.query<{ member: string; partition: number; offset: string }>(`SELECT member, partition, "offset" FROM ${seenTable}`);
    assert.equal(rows.length, 160, 'every record handled once');
    assert.equal(new Set(rows.map((r) => `${r.partition}/${r.offset}`)).size, 160);
    const lateByParent = rows.filter((r) => r.member === 'parent').map((r) => r.partition);
    assert.equal(new Set(lateByParent).size, 4, 'the survivor consumed all four partitions after the kill');
  });

  it('a member whose database session is cut gives its partitions up and rejoins, losing nothing', async () => {
    const topic = await topicWith(3);
    const groupId = uniqueName('g');
    const got: ConsumedRecord[] = [];
    await subscribe(log, { groupId, topics: [topic], handleBatch: async (b) => void got.push(...b.records) });
    await log.appender.append(Array.from({ length: 30 }, (_, n) => rec(topic, `dev-${n}`, n)));
    await waitUntil('consumed', () => committedAll(log, groupId, topic));
    await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, [`espalier-pglog-member:${groupId}`.slice(0, 63)]);
    await log.appender.append(Array.from({ length: 30 }, (_, n) => rec(topic, `dev-${n}`, 100 + n)));
    await waitUntil('consumed after rejoining', () => committedAll(log, groupId, topic), 30_000);
    assert.equal(new Set(got.map((r) => `${r.partition}/${r.offset}`)).size, 60);
    assert.ok(logger.entries.some((e) => e.msg.includes('member session lost')));
  });

  it('wakes its own consumers at once on an append, and sees other processes\' appends by polling', async () => {
    const topic = await topicWith(1);
    const slowPolling = await open({ poll: { minMs: 3_000, maxMs: 3_000 } });
    const writer = await open();
    const got: { key: string | null; at: number }[] = [];
    await subscribe(slowPolling, { topics: [topic], handleBatch: async (b) => void got.push(...b.records.map((r) => ({ key: r.key, at: Date.now() }))) });
    await new Promise((r) => setTimeout(r, 100));
    const t = Date.now();
    await slowPolling.appender.append([rec(topic, 'local', 1)]);
    await waitUntil('local record', () => got.length === 1, 2_000, 5);
    assert.ok(got[0].at - t < 1_000, `delivered ${got[0].at - t} ms after the append, without waiting for a poll`);
    await writer.appender.append([rec(topic, 'remote', 2)]);
    await waitUntil('remote record', () => got.length === 2, 10_000, 20);
    assert.equal(got[1].key, 'remote');
  });

  it('reports committed offsets per partition (null before any commit), lists groups with their members, and forgets a deleted group', async () => {
    const topic = await topicWith(2);
    const groupId = uniqueName('g');
    assert.deepEqual(await log.committedOffsets(groupId, [topic]), [
      { topic, partition: 0, offset: null },
      { topic, partition: 1, offset: null },
    ]);
    await log.appender.append([rec(topic, 'x', 1), rec(topic, 'y', 2), rec(topic, 'z', 3)]);
    const c = await subscribe(log, { groupId, topics: [topic], handleBatch: async () => undefined });
    await waitUntil('committed', () => committedAll(log, groupId, topic));
    assert.deepEqual(await log.listGroups(groupId), [{ groupId, state: 'Stable', members: 1 }]);
    assert.deepEqual(
      (await log.committedOffsets(groupId)).map((o) => o.topic),
      [topic, topic],
      'without topics: those the group committed to',
    );
    await c.stop();
    assert.deepEqual(await log.listGroups(groupId), [{ groupId, state: 'Empty', members: 0 }]);
    await log.deleteGroup(groupId);
    assert.deepEqual(await log.listGroups(groupId), []);
    assert.ok((await log.committedOffsets(groupId, [topic])).every((o) => o.offset === null));
  });
});
