import { isSet, type Environment } from './environment';
import { conventionalEnvName } from './settings.catalog';
import { appliesTo, isPlanned, isRequired, type ServiceName, type SettingSpec } from './setting.types';
import { parseSettingValue } from './value-parsers';

/** A value a user gave, and where: `the command line` or the variable's name. */
export interface GivenValue {
  readonly text: string;
  readonly source: string;
}

export type Resolution =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'not-read' }
  | { readonly kind: 'error'; readonly error: string };

/** The command line wins over the environment. */
export function givenValue(spec: SettingSpec, cliText: string | undefined, env: Environment): GivenValue | undefined {
  if (cliText !== undefined) return { text: cliText, source: 'the command line' };
  const envText = spec.cliOnly ? undefined : env[spec.env];
  return isSet(envText) ? { text: envText, source: spec.env } : undefined;
}

/**
 * One setting for one service. A flag the service does not read, or a feature not built yet, is an
 * error rather than a no-op: no setting may silently do nothing. An environment variable of another
 * service is left alone, though: one environment (an .env file, a compose anchor, `npm start`) is
 * commonly shared by all four services, and each takes what it reads.
 */
export function resolveSetting(spec: SettingSpec, given: GivenValue | undefined, service: ServiceName): Resolution {
  const name = `${spec.flag} (${spec.env})`;
  if (!appliesTo(spec, service)) {
    if (!given || given.source !== 'the command line') return { kind: 'not-read' };
    const readers = spec.services.length > 0 ? spec.services.join(', ') : 'npm start only, no separate service';
    return error(`${name} is not a setting of the ${service} service (it is read by: ${readers})`);
  }
  if (given && isPlanned(spec)) return error(`${name} is not implemented yet (planned in issue #${spec.status.plannedIn})`);
  if (!given) return isRequired(spec) ? error(`${spec.env} (${spec.flag}) is required`) : defaultValue(spec);
  const parsed = parseSettingValue(spec, given.text);
  if (parsed.ok) return { kind: 'value', value: parsed.value };
  return error(`${name}: invalid value ${shown(spec, given.text)} from ${given.source}: ${parsed.reason}`);
}

/** NanoMDM's names for our two conventional variables are an easy slip; say so instead of ignoring them. */
export function misnamedEnvErrors(catalog: readonly SettingSpec[], env: Environment): string[] {
  return catalog
    .filter((spec) => spec.env !== conventionalEnvName(spec.flag) && isSet(env[conventionalEnvName(spec.flag)]))
    .map((spec) => `${conventionalEnvName(spec.flag)} is not a setting: use ${spec.env} (${spec.flag})`);
}

function defaultValue(spec: SettingSpec): Resolution {
  if (spec.default === undefined) return { kind: 'value', value: undefined };
  const parsed = parseSettingValue(spec, spec.default);
  if (!parsed.ok) throw new Error(`config catalog: the default of ${spec.flag} is invalid: ${parsed.reason}`);
  return { kind: 'value', value: parsed.value };
}

/** Secrets are never echoed; URL credentials (e.g. DATABASE_URL's password) are masked. */
function shown(spec: SettingSpec, text: string): string {
  if (spec.secret) return '(secret, not shown)';
  return JSON.stringify(spec.kind === 'url' ? text.replace(/\/\/[^/]*@/, '//[redacted]@') : text);
}

function error(message: string): Resolution {
  return { kind: 'error', error: message };
}
