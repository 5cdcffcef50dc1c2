import { espalierSettings } from './espalier.settings';
import { nanomdmSettings } from './nanomdm.settings';

/**
 * THE list of Espalier's settings. Each is a flag and an environment variable: the variable is
 * `ESPALIER_` + the flag name uppercased, non-alphanumerics → `_` (`-ua-zl-dc` ↔ `ESPALIER_UA_ZL_DC`),
 * except `KAFKA_BROKERS` and `DATABASE_URL`. `settings.catalog.spec.ts` holds every entry to that.
 */
export const settingsCatalog = [...nanomdmSettings, ...espalierSettings] as const;

export type SettingsCatalog = typeof settingsCatalog;
export type CatalogSetting = SettingsCatalog[number];

/** `-ua-zl-dc` → `ESPALIER_UA_ZL_DC`: the convention, for the catalog test and for new entries. */
export function conventionalEnvName(flag: string): string {
  return 'ESPALIER_' + flag.replace(/^-+/, '').toUpperCase().replace(/[^A-Z0-9]/g, '_');
}
