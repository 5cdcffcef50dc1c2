import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { EmbeddedPostgres } from './embedded-postgres';

/** Startup parameters real services pass; the shared session must accept and ignore them. */
function clientConfig(server: EmbeddedPostgres): pg.ClientConfig {
  return {
    connectionString: server.connectionString,
    statement_timeout: 30000,
    application_name: 'pglite-spec',
    options: '-c tcp_keepalives_idle=10',
  };
}

async function connect(server: EmbeddedPostgres): Promise<pg.Client> {
  const client = new pg.Client(clientConfig(server));
  await client.connect();
  return client;
}

describe('EmbeddedPostgres', () => {
  let root: string;
  let dataDir: string;
  let server: EmbeddedPostgres;
  let pool: pg.Pool;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'espalier-pglite-'));
    dataDir = join(root, 'nested', 'pgdata');
    server = await EmbeddedPostgres.open({ dataDir });
    pool = new pg.Pool({ ...clientConfig(server), max: 10 });
  });

  after(async () => {
    await pool.end();
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('serves 200 concurrent parameterized queries through a pool of 10', async () => {
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => pool.query<{ n: number; s: string }>('SELECT $1::int * 2 AS n, $2::text AS s', [i, `v${i}`])),
    );
    results.forEach((r, i) => assert.deepEqual(r.rows, [{ n: i * 2, s: `v${i}` }]));
  });

  it('keeps a transaction exclusive while its client awaits between statements', async () => {
    await pool.query('CREATE TABLE tx_iso (who text, n int)');
    const run = async (who: string) => {
      const client = await connect(server);
      try {
        await client.query('BEGIN');
        const txid = (await client.query('SELECT txid_current() AS t')).rows[0].t;
        let others: string | undefined;
        for (let n = 0; n < 5; n++) {
          await client.query('INSERT INTO tx_iso VALUES ($1, $2)', [who, n]);
          await sleep(5);
          const seen = await client.query<{ mine: string; theirs: string }>(
            'SELECT count(*) FILTER (WHERE who = $1) AS mine, count(*) FILTER (WHERE who <> $1) AS theirs FROM tx_iso',
            [who],
          );
          assert.equal(seen.rows[0].mine, String(n + 1));
          // The other transaction ran wholly before or wholly after this one: never half-visible.
          others ??= seen.rows[0].theirs;
          assert.ok(others === '0' || others === '5');
          assert.equal(seen.rows[0].theirs, others);
          assert.equal((await client.query('SELECT txid_current() AS t')).rows[0].t, txid);
        }
        await client.query('COMMIT');
      } finally {
        await client.end();
      }
    };
    await Promise.all([run('a'), run('b'), pool.query('SELECT 1')]);
    const rows = await pool.query<{ who: string; c: string }>('SELECT who, count(*) AS c FROM tx_iso GROUP BY who ORDER BY who');
    assert.deepEqual(rows.rows, [
      { who: 'a', c: '5' },
      { who: 'b', c: '5' },
    ]);
  });

  it('recovers from an error inside a transaction after ROLLBACK', async () => {
    const client = await connect(server);
    try {
      await client.query('BEGIN');
      await assert.rejects(client.query('SELECT 1 / $1::int', [0]), /division by zero/);
      await assert.rejects(client.query('SELECT 1'), /current transaction is aborted/);
      await client.query('ROLLBACK');
      assert.deepEqual((await client.query('SELECT 2 AS x')).rows, [{ x: 2 }]);
      assert.deepEqual((await pool.query('SELECT 3 AS x')).rows, [{ x: 3 }]);
    } finally {
      await client.end();
    }
  });

  it('rolls back the transaction of a client destroyed mid-transaction and unblocks the others', async () => {
    await pool.query('CREATE TABLE abandoned (x int)');
    const client = await connect(server);
    client.on('error', () => undefined);
    await client.query('BEGIN');
    await client.query('INSERT INTO abandoned VALUES (1)');
    // Queued behind the open transaction; must run once the socket is gone.
    const waiting = pool.query<{ c: string }>('SELECT count(*) AS c FROM abandoned');
    await sleep(20);
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    assert.deepEqual((await waiting).rows, [{ c: '0' }]);
    await pool.query('INSERT INTO abandoned VALUES (2)');
    assert.deepEqual((await pool.query('SELECT array_agg(x) AS xs FROM abandoned')).rows, [{ xs: [2] }]);
  });

  it('rolls back a client destroyed inside a failed transaction, leaving the session idle', async () => {
    await pool.query('CREATE TABLE failed_tx (x int)');
    const client = await connect(server);
    client.on('error', () => undefined);
    await client.query('BEGIN');
    await client.query('INSERT INTO failed_tx VALUES ($1)', [1]);
    await assert.rejects(client.query('SELECT 1 / $1::int', [0]), /division by zero/);
    (client as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    // Were the session still in a transaction, BEGIN would warn and COMMIT would not persist.
    const other = await connect(server);
    try {
      await other.query('BEGIN');
      await other.query('INSERT INTO failed_tx VALUES (2)');
      await other.query('COMMIT');
      assert.deepEqual((await other.query('SELECT array_agg(x) AS xs FROM failed_tx')).rows, [{ xs: [2] }]);
    } finally {
      await other.end();
    }
  });

  it('keeps each connection\'s prepared statements apart, and drops them when it closes', async () => {
    const prepared = async () => (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_prepared_statements')).rows[0].n;
    const before = await prepared();
    const clients = await Promise.all([connect(server), connect(server), connect(server)]);
    // The same name, prepared by every connection; the second has a different text under it, as a namespace must allow.
    const texts = ['SELECT $1::int + 1 AS n', 'SELECT $1::int * 10 AS n', 'SELECT $1::int + 1 AS n'];
    for (let round = 0; round < 3; round++) {
      const answers = await Promise.all(clients.map((c, i) => c.query<{ n: number }>({ name: 'shared-name', text: texts[i], values: [round] })));
      assert.deepEqual(answers.map((a) => a.rows[0].n), [round + 1, round * 10, round + 1]);
    }
    assert.equal(await prepared(), before + 3);
    await Promise.all(clients.map((c) => c.end()));
    await sleep(50);
    assert.equal(await prepared(), before, 'closed connections left no prepared statement behind');
  });

  it('answers BEGIN at once and starts the transaction with the next statement, invisibly to the client', async () => {
    await pool.query('CREATE TABLE lazy_begin (n int)');
    const a = await connect(server);
    const b = await connect(server);
    try {
      await a.query('BEGIN');
      // Until its first statement, A holds nothing: B runs and commits meanwhile, and A's snapshot then sees B's row.
      await b.query('INSERT INTO lazy_begin VALUES (1)');
      assert.equal((await a.query('SELECT count(*)::int AS n FROM lazy_begin')).rows[0].n, 1);
      await a.query('INSERT INTO lazy_begin VALUES (2)');
      await a.query('ROLLBACK');
      assert.equal((await b.query('SELECT count(*)::int AS n FROM lazy_begin')).rows[0].n, 1, 'A rolled back');
      // An empty transaction, an error right after BEGIN, and a BEGIN inside a transaction (a warning) behave as on PostgreSQL.
      await a.query('BEGIN');
      await a.query('COMMIT');
      await a.query('BEGIN');
      await assert.rejects(a.query('SELECT nope FROM lazy_begin'), /column "nope" does not exist/);
      await assert.rejects(a.query('SELECT 1'), /current transaction is aborted/);
      await a.query('ROLLBACK');
      await a.query('BEGIN');
      await a.query('SELECT 1');
      await a.query('BEGIN');
      await a.query('COMMIT');
      assert.equal((await b.query('SELECT count(*)::int AS n FROM lazy_begin')).rows[0].n, 1);
    } finally {
      await a.end();
      await b.end();
    }
  });

  it('keeps no answer in memory once it was sent (600 results of about 500 KB each)', async () => {
    await pool.query(`CREATE TABLE big_rows AS SELECT g AS id, repeat('x', 1000) AS v FROM generate_series(1, 600) g`);
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 600; i++) await pool.query({ name: 'big-rows', text: 'SELECT id, v FROM big_rows WHERE id > $1 ORDER BY id LIMIT 500', values: [i % 100] });
    const grownMiB = (process.memoryUsage().heapUsed - before) / 1048576;
    // Retaining them (as PGlite's execProtocolRaw does) would grow the heap by about 300 MB.
    assert.ok(grownMiB < 100, `heap grew by ${grownMiB.toFixed(0)} MiB`);
  });

  it('returns results larger than PGlite\'s 1 MiB receive buffer', async () => {
    const r = await pool.query<{ s: string }>('SELECT repeat($1, 3000000) AS s', ['ab']);
    assert.equal(r.rows[0].s.length, 6_000_000);
  });

  it('returns the same JS types as a real PostgreSQL server', async () => {
    const r = await pool.query(
      `SELECT 9007199254740993::int8 AS big, '\\x0102ff'::bytea AS bin, '{"a":[1,2]}'::jsonb AS doc,
              '2024-05-06T07:08:09.123Z'::timestamptz AS at, ARRAY['x','y,z']::text[] AS tags`,
    );
    const row = r.rows[0];
    assert.equal(row.big, '9007199254740993');
    assert.deepEqual(row.bin, Buffer.from([1, 2, 255]));
    assert.deepEqual(row.doc, { a: [1, 2] });
    assert.ok(row.at instanceof Date);
    assert.equal(row.at.toISOString(), '2024-05-06T07:08:09.123Z');
    assert.deepEqual(row.tags, ['x', 'y,z']);

    await pool.query('CREATE TABLE blobs (b bytea)');
    const blobs = [Buffer.from([0, 1, 2]), Buffer.alloc(0), Buffer.from('hello')];
    await pool.query('INSERT INTO blobs SELECT unnest($1::bytea[])', [blobs]);
    const back = await pool.query<{ b: Buffer }>('SELECT b FROM blobs ORDER BY length(b)');
    assert.deepEqual(
      back.rows.map((x) => x.b),
      [blobs[1], blobs[0], blobs[2]],
    );
  });

  it('runs a multi-statement simple query', async () => {
    await pool.query('CREATE TABLE multi_a (x int); CREATE TABLE multi_b (y int)');
    const r = await pool.query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_tables WHERE tablename IN ('multi_a', 'multi_b')",
    );
    assert.equal(r.rows[0].n, '2');
  });

  it('refuses COPY FROM STDIN cleanly instead of killing the session', async () => {
    await assert.rejects(pool.query('COPY blobs FROM STDIN'), /COPY FROM STDIN is not supported/);
    assert.deepEqual((await pool.query('SELECT 1 AS x')).rows, [{ x: 1 }]);
  });

  it('sustains autocommit single-row inserts through a pool of 10', async () => {
    await pool.query('CREATE TABLE bench (id int, payload text)');
    const rows = 2000;
    const started = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: rows }, (_, i) => pool.query('INSERT INTO bench VALUES ($1, $2)', [i, `row-${i}`])),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    console.error(`embedded postgres: ${rows} autocommit INSERTs via pool(10) in ${seconds.toFixed(2)}s = ${Math.round(rows / seconds)} rows/s`);
    assert.equal((await pool.query('SELECT count(*) AS c FROM bench')).rows[0].c, String(rows));
  });

  it('keeps committed data across close and reopen of the same data dir', async () => {
    await pool.query('CREATE TABLE durable (x text)');
    await pool.query("INSERT INTO durable VALUES ('kept')");
    // A transaction still open at shutdown is rolled back, and close() does not wait for its client.
    const straggler = await connect(server);
    straggler.on('error', () => undefined);
    await straggler.query('BEGIN');
    await straggler.query("INSERT INTO durable VALUES ('lost')");
    await pool.end();
    await server.close();

    // Reopened on a Unix socket this time: private to the user, and a socket file a killed process left is replaced.
    const socketDir = join(root, 'run');
    await mkdir(socketDir, { recursive: true });
    await writeFile(join(socketDir, '.s.PGSQL.5432'), 'stale');
    server = await EmbeddedPostgres.open({ dataDir, socketDir });
    assert.match(server.connectionString, /^postgres:\/\/\/postgres\?host=/);
    assert.equal((await stat(socketDir)).mode & 0o777, 0o700);
    assert.ok((await stat(join(socketDir, '.s.PGSQL.5432'))).isSocket());
    pool = new pg.Pool({ ...clientConfig(server), max: 10 });
    assert.deepEqual((await pool.query('SELECT x FROM durable')).rows, [{ x: 'kept' }]);
    await straggler.end().catch(() => undefined);
    assert.equal((await pool.query('SELECT count(*) AS c FROM bench')).rows[0].c, '2000');
  });
});

describe('EmbeddedPostgres idle-in-transaction guard', () => {
  let root: string;
  let server: EmbeddedPostgres;
  const warnings: { obj: object; msg: string }[] = [];

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'espalier-pglite-idle-'));
    const logger = { info: () => undefined, error: () => undefined, warn: (obj: object, msg: string) => warnings.push({ obj, msg }) };
    server = await EmbeddedPostgres.open({ dataDir: join(root, 'pgdata'), idleInTransactionTimeoutMs: 300, logger });
    const setup = await connect(server);
    await setup.query('CREATE TABLE idle_tx (x text)');
    await setup.end();
  });

  after(async () => {
    await server.close();
    await rm(root, { recursive: true, force: true });
  });

  it('terminates an owner idle in its transaction while another connection waits, rolling it back', async () => {
    const a = await connect(server);
    // A server-side termination reaches an idle pg client as an 'error' event, which would otherwise throw.
    const aErrors: Error[] = [];
    a.on('error', (error) => aErrors.push(error));
    const b = await connect(server);
    try {
      await a.query('BEGIN');
      await a.query("INSERT INTO idle_tx VALUES ('from a')");
      const started = Date.now();
      // A now "sleeps" holding the session; B must not wait for it forever.
      const seen = await b.query<{ c: string }>("SELECT count(*) AS c FROM idle_tx WHERE x = 'from a'");
      const waited = Date.now() - started;
      assert.equal(seen.rows[0].c, '0');
      assert.ok(waited >= 250 && waited < 5000, `B waited ${waited} ms`);
      await assert.rejects(a.query('SELECT 1'));
      assert.ok(aErrors.some((e) => /idle-in-transaction timeout/.test(e.message)), aErrors.map((e) => e.message).join('; '));
      const warning = warnings.find((w) => w.msg.includes('idle in transaction'));
      assert.ok(warning, 'a warning is logged');
      assert.equal(typeof (warning.obj as { conn?: unknown }).conn, 'number');
      assert.ok((warning.obj as { idleMs: number }).idleMs >= 250);
      assert.equal((await b.query('SELECT count(*) AS c FROM idle_tx')).rows[0].c, '0');
    } finally {
      await Promise.all([a.end().catch(() => undefined), b.end()]);
    }
  });

  it('leaves an idle owner alone while nobody waits', async () => {
    const a = await connect(server);
    try {
      await a.query('BEGIN');
      await a.query("INSERT INTO idle_tx VALUES ('patient')");
      await sleep(600);
      await a.query('COMMIT');
    } finally {
      await a.end();
    }
    const check = await connect(server);
    try {
      assert.deepEqual((await check.query('SELECT x FROM idle_tx')).rows, [{ x: 'patient' }]);
    } finally {
      await check.end();
    }
  });
});
