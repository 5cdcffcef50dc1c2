import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, repoRoot } from '@espalier/shared/util-testing';

export interface OneProcessRun {
  readonly child: ChildProcess;
  /** The public origin (NanoMDM's single port). */
  readonly base: string;
  /** The operators' origin: /<service>/readyz, /<service>/metrics. */
  readonly ops: string;
  readonly startedAt: number;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then the exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * `npm start` as a user runs it (tools/cli/start-all.ts), with its own data
 * directory and ports. Variables set to undefined are removed: the test
 * runner's KAFKA_BROKERS / DATABASE_URL must not reach an embedded run.
 */
export async function startOneProcess(env: Record<string, string | undefined>, args: string[] = []): Promise<OneProcessRun> {
  const [port, opsPort] = [await freePort(), await freePort()];
  const merged: Record<string, string | undefined> = { ...process.env, ESPALIER_LISTEN: `127.0.0.1:${port}`, ESPALIER_OPS_LISTEN: `127.0.0.1:${opsPort}`, ESPALIER_LOG_LEVEL: 'warn', ...env };
  for (const [k, v] of Object.entries(merged)) if (v === undefined) delete merged[k];
  const startedAt = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'tools/cli/start-all.ts'), ...args], { cwd: repoRoot, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  return {
    child,
    base: `http://127.0.0.1:${port}`,
    ops: `http://127.0.0.1:${opsPort}`,
    startedAt,
    output: () => out,
    exited,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Polls until every service answers /readyz 200 on the ops port; fails with the output if the process exits first. */
export async function waitUntilReady(run: OneProcessRun, services: readonly string[], timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void run.exited.then(() => (exited = true));
  const pending = new Set(services);
  while (pending.size > 0) {
    if (exited) throw new Error(`npm start exited before it was ready:\n${run.output()}`);
    if (Date.now() > deadline) throw new Error(`not ready within ${timeoutMs} ms (waiting for ${[...pending].join(', ')}):\n${run.output()}`);
    for (const s of [...pending]) {
      const ok = await fetch(`${run.ops}/${s}/readyz`).then((r) => r.status === 200, () => false);
      if (ok) pending.delete(s);
    }
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - run.startedAt;
}
