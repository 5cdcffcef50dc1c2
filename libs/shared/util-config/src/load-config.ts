import { parseArgv } from './argv';
import type { Config } from './config.types';
import type { LoadConfigInput, LoadConfigResult } from './load-config.types';
import { givenValue, misnamedEnvErrors, resolveSetting } from './resolve-setting';
import { settingsCatalog } from './settings.catalog';
import type { ServiceName, SettingSpec } from './setting.types';
import { usageText } from './usage';

const catalog: readonly SettingSpec[] = settingsCatalog;
const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];

/**
 * Loads one service's settings from its command line and environment (callers pass
 * `process.argv.slice(2)` and `process.env`). Every problem is reported at once, as a value.
 * `help` wins over everything, then `-version`, so both work with an incomplete configuration.
 */
export function loadConfig<Svc extends ServiceName>(input: LoadConfigInput<Svc>): LoadConfigResult<Svc> {
  const argv = parseArgv(input.argv, catalog);
  if (argv.help) return { ok: 'help', text: usageText(catalog, input.service, input.env) };
  const cliTexts = new Map(argv.assignments.map((assignment) => [assignment.spec.key, assignment.text]));
  const errors = [...argv.errors, ...misnamedEnvErrors(catalog, input.env)];
  const values: Record<string, unknown> = {};
  for (const spec of catalog) {
    const resolution = resolveSetting(spec, givenValue(spec, cliTexts.get(spec.key), input.env), input.service);
    if (resolution.kind === 'error') errors.push(resolution.error);
    if (resolution.kind === 'value') values[spec.key] = resolution.value;
  }
  if (argv.errors.length === 0 && values['version'] === true) return { ok: 'version' };
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, config: applyDebug(values) as Config<Svc> };
}

/** `-debug` raises the log level to at least debug; a more verbose explicit level (trace) stays. */
function applyDebug(values: Record<string, unknown>): Record<string, unknown> {
  const quieterThanDebug = LOG_LEVELS.indexOf(String(values['logLevel'])) > LOG_LEVELS.indexOf('debug');
  return values['debug'] === true && quieterThanDebug ? { ...values, logLevel: 'debug' } : values;
}
