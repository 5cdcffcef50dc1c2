import { Agent, request } from 'node:http';

/** `--name value` from the command line, or the fallback. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

/** A positive integer argument; a typo fails at once rather than benchmarking NaN devices. */
export function intArg(name: string, fallback: number): number {
  const value = Number(arg(name, String(fallback)));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`bench: --${name} must be a positive integer, got "${arg(name, '')}"`);
  return value;
}

export function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`bench: ${name} is required (eval "$(bash scripts/infra.sh up)")`);
  return value;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Milliseconds, rounded for printing; sorts its input. */
export function summarize(latencies: number[], digits = 1): LatencySummary {
  if (latencies.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN };
  latencies.sort((x, y) => x - y);
  const round = (ms: number) => Number(ms.toFixed(digits));
  return {
    count: latencies.length,
    p50: round(percentile(latencies, 50)),
    p95: round(percentile(latencies, 95)),
    p99: round(percentile(latencies, 99)),
    max: round(latencies[latencies.length - 1]),
  };
}

export const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

export interface SignedBody {
  readonly body: Buffer;
  readonly signature: string;
}

export interface Reply {
  readonly status: number;
  readonly body: Buffer;
  readonly ms: number;
}

/** One device PUT with the exact pre-signed bytes; the reply body is read whole (it is the next command). */
export function put(agent: Agent, port: number, contentType: string, req: SignedBody): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: '127.0.0.1',
        port,
        path: '/mdm',
        method: 'PUT',
        agent,
        headers: { 'content-type': contentType, 'mdm-signature': req.signature, 'content-length': req.body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function eachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** One summary line per part on stderr (figure and target), one JSON line on stdout, as bench:checkin. */
export function printResult(summary: string, result: object): void {
  console.error(`bench: ${summary}`);
  process.stdout.write(JSON.stringify(result) + '\n');
}

/** Counts the partition batches a projection runner handles (how finely the log was cut), without changing what it does. */
export function countBatches(runner: { handleBatch(batch: never, ctx?: never): Promise<void> }): () => number {
  let batches = 0;
  const handle = runner.handleBatch.bind(runner);
  runner.handleBatch = async (batch, ctx) => {
    batches += 1;
    return handle(batch, ctx);
  };
  return () => batches;
}

/** One line of a benchmark's report on stdout (figures are results, not diagnostics). */
export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}
