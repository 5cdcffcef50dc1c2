import type { SettingSpec } from './setting.types';

export interface FlagAssignment {
  readonly spec: SettingSpec;
  readonly text: string;
}

export interface ParsedArgv {
  readonly help: boolean;
  /** In command-line order; a later assignment of the same flag wins, as with Go's flag package. */
  readonly assignments: readonly FlagAssignment[];
  readonly errors: readonly string[];
}

const HELP_NAMES = new Set(['h', 'help']);
const FLAG = /^--?([^-=][^=]*)(?:=([\s\S]*))?$/;

/**
 * Reads `-flag value`, `-flag=value`, `--flag value`, `--flag=value`; bool flags as `-flag` or
 * `-flag=<bool>` (never `-flag false`: like Go, the next word is not consumed, and here it is an
 * error instead of a silently ignored argument). `argv` is the arguments only: `process.argv.slice(2)`.
 * Errors name the flag, never the value, so secrets are not echoed.
 */
export function parseArgv(argv: readonly string[], catalog: readonly SettingSpec[]): ParsedArgv {
  const assignments: FlagAssignment[] = [];
  const errors: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const match = FLAG.exec(argv[i]);
    if (match === null) {
      errors.push(unexpectedArgument(argv[i], argv[i - 1], catalog));
      continue;
    }
    const [, name, inline] = match;
    if (HELP_NAMES.has(name)) {
      help = true;
      continue;
    }
    const spec = catalog.find((candidate) => candidate.flag === `-${name}`);
    if (spec === undefined) {
      errors.push(`unknown flag: -${name}`);
      continue;
    }
    if (inline !== undefined || spec.kind === 'bool') {
      assignments.push({ spec, text: inline ?? 'true' });
    } else if (i + 1 < argv.length) {
      assignments.push({ spec, text: argv[++i] });
    } else {
      errors.push(`flag needs a value: ${spec.flag}`);
    }
  }
  return { help, assignments, errors };
}

function unexpectedArgument(arg: string, previous: string | undefined, catalog: readonly SettingSpec[]): string {
  const bool = catalog.find((spec) => spec.kind === 'bool' && previous !== undefined && previous.replace(/^--?/, '-') === spec.flag);
  return bool
    ? `unexpected argument "${arg}": write ${bool.flag}=${arg} to give a bool flag a value`
    : `unexpected argument "${arg}": settings are flags (-name value)`;
}
