import type { ReplayProgress } from '@espalier/shared/data-access-postgres';

const WIDTH = 30;

function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One progress line: bar, records done and left, events/s, time left. */
export function progressLine(p: ReplayProgress): string {
  const total = p.done + p.remaining;
  const ratio = total === 0 ? 1 : p.done / total;
  const filled = Math.round(ratio * WIDTH);
  const bar = `${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}`;
  return `${p.projection} ${p.phase.padEnd(10)} [${bar}] ${(ratio * 100).toFixed(1).padStart(5)}% ${p.done.toLocaleString('en-US')} done, ${p.remaining.toLocaleString('en-US')} left, ${Math.round(p.eventsPerSecond).toLocaleString('en-US')} events/s, ${duration(p.secondsLeft)} left`;
}

/** Redraws in place on a terminal; elsewhere (CI, pipes) prints a line every few seconds. */
export function progressPrinter(stream: NodeJS.WriteStream = process.stderr): { update(p: ReplayProgress): void; end(): void } {
  let last = 0;
  let drawn = false;
  return {
    update(p) {
      if (stream.isTTY) {
        stream.write(`\r${progressLine(p)}\x1b[K`);
        drawn = true;
      } else if (Date.now() - last > 5_000 || p.phase === 'swapping') {
        stream.write(`${progressLine(p)}\n`);
        last = Date.now();
      }
    },
    end() {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}
