import { parseArgv } from './argv';
import type { Environment } from './environment';
import { settingsCatalog } from './settings.catalog';

export type OneProcessEnvironment =
  | { readonly ok: true; readonly env: Record<string, string | undefined>; readonly help: boolean; readonly version: boolean }
  | { readonly ok: false; readonly errors: readonly string[] };

/**
 * The one-process mode (`npm start`) takes NanoMDM's command line once for
 * all its services: each flag becomes its variable in the environment they
 * share, and each service reads what applies to it (a flag no service reads
 * does not exist in the catalog, so it is still refused).
 */
export function oneProcessEnvironment(argv: readonly string[], env: Environment): OneProcessEnvironment {
  const parsed = parseArgv(argv, settingsCatalog);
  if (parsed.errors.length > 0) return { ok: false, errors: parsed.errors };
  const out: Record<string, string | undefined> = { ...env };
  let version = false;
  for (const { spec, text } of parsed.assignments) {
    if (spec.key === 'version') version = text !== 'false';
    else out[spec.env] = text;
  }
  return { ok: true, env: out, help: parsed.help, version };
}
