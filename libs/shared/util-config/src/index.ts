export type { Config } from './config.types';
export { configTableMarkdown, configurationSection, extractConfigTable, replaceConfigTable, CONFIG_TABLE_END, CONFIG_TABLE_START } from './config-table';
export { parseDuration } from './duration';
export type { Environment } from './environment';
export { loadConfig } from './load-config';
export type { LoadConfigInput, LoadConfigResult } from './load-config.types';
export { decodeSecretKey } from './secret-key';
export { conventionalEnvName, settingsCatalog, type CatalogSetting, type SettingsCatalog } from './settings.catalog';
export { SERVICE_NAMES, type HostPort, type ServiceName, type SettingKind, type SettingSpec, type SettingStatus } from './setting.types';
