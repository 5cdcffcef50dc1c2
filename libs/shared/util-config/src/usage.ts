import { isSet, type Environment } from './environment';
import { appliesTo, isPlanned, type ServiceName, type SettingSpec } from './setting.types';

/**
 * Go-flag-style usage for one service, with each setting's environment variable as NanoMDM shows
 * it: `[ESPALIER_X]`, or `[ESPALIER_X is set]` when it is. Values are never printed.
 */
export function usageText(catalog: readonly SettingSpec[], service: ServiceName, env: Environment): string {
  const lines = [`Usage of espalier ${service}:`];
  for (const spec of catalog.filter((candidate) => appliesTo(candidate, service))) {
    lines.push(`  ${spec.flag}${spec.kind === 'bool' ? '' : ` ${spec.kind}`}`, `    \t${describe(spec, env)}`);
  }
  lines.push('  -h, -help', '    \tPrint this help and exit.');
  return lines.join('\n') + '\n';
}

function describe(spec: SettingSpec, env: Environment): string {
  const parts = [spec.description];
  if (!spec.cliOnly) parts.push(isSet(env[spec.env]) ? `[${spec.env} is set]` : `[${spec.env}]`);
  if (spec.required) parts.push('(required)');
  else if (spec.default !== undefined && !spec.secret) parts.push(`(default ${JSON.stringify(spec.default)})`);
  if (isPlanned(spec)) parts.push(`(not implemented yet: planned in issue #${spec.status.plannedIn})`);
  return parts.join(' ');
}
