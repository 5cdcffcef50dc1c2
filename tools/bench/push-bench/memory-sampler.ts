import { readFileSync } from 'node:fs';

/** Resident memory of a process, from /proc (Linux): now and its high-water mark, in MiB. */
export function residentMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** Samples a process's RSS while a run lasts; VmHWM catches peaks between samples. */
export class MemorySampler {
  private max = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly pid: number, everyMs = 100) {
    this.timer = setInterval(() => {
      try {
        this.max = Math.max(this.max, residentMiB(pid).rss);
      } catch {
        // The process ended: its last sample stands.
      }
    }, everyMs);
  }

  stop(): { sampledMaxMiB: number; peakMiB: number } {
    clearInterval(this.timer);
    return { sampledMaxMiB: this.max, peakMiB: residentMiB(this.pid).peak };
  }
}
