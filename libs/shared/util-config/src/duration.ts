const MILLISECONDS_PER_UNIT: Readonly<Record<string, number>> = {
  ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000,
};

const TERM = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/**
 * Parses a Go duration (`500ms`, `5s`, `2m`, `1h`, `1m30s`, `1.5h`, `0`) into milliseconds, as
 * NanoMDM's flags do. Signs are refused: every duration setting is a wait or a timeout.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  let total = 0;
  TERM.lastIndex = 0;
  while (TERM.lastIndex < text.length) {
    const match = TERM.exec(text);
    if (match === null) return undefined;
    total += Number(match[1]) * MILLISECONDS_PER_UNIT[match[2]];
  }
  return total;
}
