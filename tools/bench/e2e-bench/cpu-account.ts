import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Linux reports process times in clock ticks; 100 per second on every x86-64 and arm64 kernel config in use. */
const TICKS_PER_SECOND = 100;

interface ProcTimes {
  readonly ppid: number;
  /** utime + stime of the process itself (all its threads). */
  readonly own: number;
  /** cutime + cstime: children it has waited for (PostgreSQL's exited backends). */
  readonly children: number;
}

function procTimes(pid: number): ProcTimes | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which may itself contain spaces and parentheses.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), own: (Number(f[11]) + Number(f[12])) / TICKS_PER_SECOND, children: (Number(f[13]) + Number(f[14])) / TICKS_PER_SECOND };
  } catch {
    return null;
  }
}

/** CPU seconds so far of one process (threads included). */
function cpuOf(pid: number): number {
  return procTimes(pid)?.own ?? 0;
}

/** CPU seconds so far of a process and everything it forked, live or exited. */
function cpuOfTree(pid: number): number {
  const root = procTimes(pid);
  if (root === null) return 0;
  let total = root.own + root.children;
  for (const entry of readdirSync('/proc')) {
    const child = /^\d+$/.test(entry) ? procTimes(Number(entry)) : null;
    if (child?.ppid === pid) total += child.own;
  }
  return total;
}

function pidFrom(file: string): number | null {
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0].trim());
  return Number.isInteger(pid) && pid > 0 && procTimes(pid) !== null ? pid : null;
}

/**
 * What each part of the stack spent on the CPU between start() and stop():
 * the service processes, this bench process, and — when the bench runs on
 * the local infrastructure of scripts/infra.sh — the Kafka JVM and the
 * PostgreSQL server with all its backends. Divided by the device cycles it
 * gives the CPU a cycle costs, to set against the machine's budget.
 */
export class CpuAccount {
  private readonly sources: Map<string, () => number>;
  private startedAt = new Map<string, number>();

  constructor(pids: Readonly<Record<string, number>>, infraDir?: string) {
    this.sources = new Map(Object.entries(pids).map(([name, pid]) => [name, () => cpuOf(pid)]));
    this.sources.set('bench', () => cpuOf(process.pid));
    if (infraDir === undefined) return;
    const kafka = pidFrom(path.join(infraDir, 'kafka', 'kafka.pid'));
    if (kafka !== null) this.sources.set('Kafka', () => cpuOf(kafka));
    const postgres = pidFrom(path.join(infraDir, 'postgres', 'data', 'postmaster.pid'));
    if (postgres !== null) this.sources.set('PostgreSQL', () => cpuOfTree(postgres));
  }

  start(): void {
    this.startedAt = new Map([...this.sources].map(([name, read]) => [name, read()]));
  }

  /** CPU seconds spent by each part since start(). */
  stop(): Map<string, number> {
    return new Map([...this.sources].map(([name, read]) => [name, read() - (this.startedAt.get(name) ?? 0)]));
  }
}
