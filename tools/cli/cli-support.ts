import { loadConfig, type Config } from '@espalier/shared/util-config';

/** Operator tools read the same flags and ESPALIER_* variables as the services. */
export function toolConfig(argv: string[]): Config<'api'> {
  const loaded = loadConfig({ argv, env: process.env, service: 'api' });
  if (loaded.ok === true) return loaded.config;
  if (loaded.ok === 'help') {
    process.stdout.write(loaded.text + '\n');
    process.exit(0);
  }
  if (loaded.ok === 'version') process.exit(0);
  process.stderr.write(`invalid configuration:\n${loaded.errors.map((e) => `  - ${e}`).join('\n')}\n`);
  process.exit(2);
}

/** Tools print human text; the library code logs through this minimal JSON-free logger. */
export const toolLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj: object, msg: string) => process.stderr.write(`warning: ${msg} ${JSON.stringify(obj)}\n`),
  error: (obj: object, msg: string) => process.stderr.write(`error: ${msg} ${JSON.stringify(obj, errorFields)}\n`),
};

function errorFields(_key: string, value: unknown) {
  return value instanceof Error ? { message: value.message } : value;
}

export function splitArgs(argv: string[]): { positional: string[]; options: string[] } {
  const positional: string[] = [];
  const options: string[] = [];
  for (const a of argv) (a.startsWith('-') ? options : positional).push(a);
  return { positional, options };
}
