import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort, repoRoot } from '@espalier/shared/util-testing';
import { builtEntry, SERVICE_NODE_OPTIONS, type BuiltService } from '../../tools/build/service-build';

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServiceLaunch {
  /** Options for node itself (e.g. --cpu-prof), before the entry point. */
  readonly nodeArgs?: readonly string[];
  /**
   * Run the bundle `npm run build` made (dist/apps/<service>/main.js) with
   * SERVICE_NODE_OPTIONS, as the Docker image does, instead of the sources through tsx.
   */
  readonly built?: boolean;
}

/** Starts a service as its own process, as a deployment would: its sources through tsx, or its build. */
export async function startService(service: string, env: Record<string, string | undefined>, args: string[] = [], launch: ServiceLaunch = {}): Promise<ServiceProcess> {
  const port = await freePort();
  const entry = launch.built
    ? [...SERVICE_NODE_OPTIONS, builtEntry(repoRoot, service as BuiltService)]
    : ['--import', 'tsx', path.join(repoRoot, `apps/${service}/src/main.ts`)];
  const child = spawn(process.execPath, [...(launch.nodeArgs ?? []), ...entry, ...args], {
    cwd: repoRoot,
    env: { ...process.env, ESPALIER_LISTEN: `127.0.0.1:${port}`, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, port, url: `http://127.0.0.1:${port}`, output: () => out, exited };
}

/** Polls until the URL answers `status`, or the process exits, or the time is up. */
export async function waitForStatus(svc: ServiceProcess, pathName: string, status: number, timeoutMs = 60_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  void svc.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`service exited before ${pathName} answered ${status}:\n${svc.output()}`);
    try {
      const res = await fetch(svc.url + pathName);
      if (res.status === status) return res;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${pathName} did not answer ${status} within ${timeoutMs} ms:\n${svc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
