import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { nextCommandQuery } from '@espalier/commands/domain';
import { QueueStateReader, type ReportLookup } from '@espalier/commands/data-access-queue';
import { ident } from '@espalier/shared/data-access-postgres';
import { benchPool } from './bench-stack';
import { eachLimit, printResult, seconds, summarize } from '../bench-support';
import { timeClearing } from './queue-clearing';
import { HEAVY_ID, loadQueue, type LoadedQueue } from './queue-load';

export interface QueueQueryOptions {
  readonly rows: number;
  readonly lookups: number;
  readonly concurrency: number;
  readonly heavyRows: number;
}

interface Sample {
  readonly id: string;
  readonly certHash: string;
  readonly pending: string;
}

/** Half the lookups are an Idle's, half an Ack's of one of the enrollment's pending commands (which the reply must skip). */
function lookupOf(sample: Sample, i: number): ReportLookup {
  const report = i % 2 === 0 ? { status: 'Idle', commandUuid: '' } : { status: 'Acknowledged', commandUuid: sample.pending };
  return { enrollmentId: sample.id, deviceChannelId: sample.id, certHash: sample.certHash, commandUuid: report.commandUuid, next: nextCommandQuery(report), deleteAnswered: false };
}

async function sampleEnrollments(pool: Pool, s: string, count: number): Promise<Sample[]> {
  const { rows } = await pool.query<Sample>(
    `SELECT e.id, a.cert_hash AS "certHash",
            (SELECT q.command_uuid FROM ${s}.enrollment_commands q WHERE q.enrollment_id = e.id AND q.status IS NULL LIMIT 1) AS pending
       FROM ${s}.enrollments e JOIN ${s}.cert_associations a ON a.device_id = e.device_id
      WHERE e.id <> $1 ORDER BY random() LIMIT $2`,
    [HEAVY_ID, count],
  );
  return rows;
}

/** Times QueueStateReader.reportState, the report's one hot-path query, with `concurrency` in flight. */
async function timeLookups(reader: QueueStateReader, samples: readonly Sample[], concurrency: number): Promise<{ latencies: number[]; empty: number; seconds: number }> {
  const latencies: number[] = [];
  let empty = 0;
  const started = performance.now();
  await eachLimit(samples, concurrency, async (sample, i) => {
    const t = performance.now();
    const state = await reader.reportState(lookupOf(sample, i));
    latencies.push(performance.now() - t);
    if (state.next === null || !state.association.withThisDevice) empty += 1;
  });
  return { latencies, empty, seconds: (performance.now() - started) / 1000 };
}

/** The exact SQL reportState sends, captured from the reader itself, then run under EXPLAIN (ANALYZE, BUFFERS). */
async function explainLookup(pool: Pool, schema: string, lookup: ReportLookup): Promise<string[]> {
  let captured: { text: string; values: unknown[] } | null = null;
  const recorder = {
    query: async (text: string, values: unknown[]) => {
      captured = { text, values };
      return { rows: [{ owners: null, device_has_any: false, command_known: false, next_uuid: null, next_payload: null }] };
    },
  };
  await new QueueStateReader(recorder as unknown as Pool, schema).reportState(lookup);
  const query = captured as { text: string; values: unknown[] } | null;
  if (query === null) throw new Error('bench: reportState sent no query');
  const { rows } = await pool.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.text}`, query.values);
  return rows.map((r) => r['QUERY PLAN']);
}

interface Measured {
  readonly sequential: Awaited<ReturnType<typeof timeLookups>>;
  readonly concurrent: Awaited<ReturnType<typeof timeLookups>>;
  readonly plan: string[];
  readonly clearing: Awaited<ReturnType<typeof timeClearing>>;
}

/** Lookups on a warmed pool, sequentially then `concurrency` at a time, each on enrollments of its own; then the plan and clearing. */
async function measure(pool: Pool, schema: string, enrollments: number, options: QueueQueryOptions): Promise<Measured> {
  const reader = new QueueStateReader(pool, schema);
  const samples = await sampleEnrollments(pool, ident(schema), Math.min(enrollments - 1, options.lookups * 2 + 500));
  const warm = Math.min(500, Math.floor(samples.length / 5));
  await timeLookups(reader, samples.slice(0, warm), 1); // connections, plan cache, index pages
  const half = Math.floor((samples.length - warm) / 2);
  const sequential = await timeLookups(reader, samples.slice(warm, warm + half), 1);
  const concurrent = await timeLookups(reader, samples.slice(warm + half), options.concurrency);
  const plan = await explainLookup(pool, schema, lookupOf(samples[warm], 1));
  return { sequential, concurrent, plan, clearing: await timeClearing(pool, schema, reader) };
}

function printQueueResult(loaded: LoadedQueue, options: QueueQueryOptions, m: Measured): void {
  const usesPending = m.plan.some((line) => line.includes('enrollment_commands_pending'));
  const seqScans = m.plan.flatMap((line) => /Seq Scan on (\w+)/.exec(line)?.[1] ?? []);
  const seqScan = seqScans.length > 0;
  const seq = summarize(m.sequential.latencies, 2);
  const conc = summarize(m.concurrent.latencies, 2);
  const verdict = (ms: number) => (ms <= 5 && usesPending && !seqScan ? 'met' : 'NOT met');
  const { heavy, light } = m.clearing;
  console.error(`bench: (c) EXPLAIN (ANALYZE, BUFFERS) of one Ack lookup:\n${m.plan.map((l) => `    ${l}`).join('\n')}`);
  printResult(
    `(c) next-command lookup over ${loaded.rows + loaded.heavyRows} queue rows: sequential p50 ${seq.p50} ms, p99 ${seq.p99} ms, max ${seq.max} ms (${Math.round(seq.count / m.sequential.seconds)}/s); ` +
      `${options.concurrency} in flight p50 ${conc.p50} ms, p99 ${conc.p99} ms, max ${conc.max} ms (${Math.round(conc.count / m.concurrent.seconds)}/s); ` +
      `plan ${usesPending ? 'uses' : 'does NOT use'} enrollment_commands_pending, ${seqScan ? `HAS a seq scan (${seqScans.join(', ')})` : 'no seq scan'}; ` +
      `clearing ${heavy.entries} entries took ${heavy.ms} ms and wrote ${heavy.rowsWritten} row(s) (${light.entries} entries: ${light.ms} ms, ${light.rowsWritten} row(s)); ` +
      `target p99 ≤ 5 ms: sequential ${verdict(seq.p99)}, ${options.concurrency} in flight ${verdict(conc.p99)}`,
    {
      part: 'c',
      rows: loaded.rows + loaded.heavyRows,
      enrollments: loaded.enrollments + 1,
      sequentialMs: seq,
      concurrentMs: { ...conc, concurrency: options.concurrency },
      lookupsWithoutNext: m.sequential.empty + m.concurrent.empty,
      usesPendingIndex: usesPending,
      seqScan,
      clearing: m.clearing,
    },
  );
}

/** Part (c): next-command lookups over a bulk-loaded queue in a scratch schema, dropped at the end. */
export async function runQueueQuery(databaseUrl: string, options: QueueQueryOptions): Promise<void> {
  const schema = `bench_queue_${randomBytes(4).toString('hex')}`;
  const pool = benchPool(databaseUrl, Math.max(2, options.concurrency));
  try {
    console.error(`bench: (c) loading ${options.rows} queue entries (+ ${options.heavyRows} for one enrollment) into ${schema}…`);
    const loadStart = performance.now();
    const loaded = await loadQueue(pool, schema, options.rows, options.heavyRows);
    console.error(`bench: (c) loaded and analysed in ${seconds(performance.now() - loadStart)} s`);
    printQueueResult(loaded, options, await measure(pool, schema, loaded.enrollments, options));
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${ident(schema)} CASCADE`).catch((error: Error) => console.error(`bench: dropping ${schema}: ${error.message}`));
    await pool.end();
  }
}
