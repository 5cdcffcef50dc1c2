export { CHECKPOINT_BARRIER, CONFIG, EVENT_LOG, LOGGER, PG_POOL, SERVICE_NAME, SERVICE_SCHEMA, STORAGE_READY } from './tokens';
export type { RuntimeConfig } from './runtime-config';
export { storageReady, type StorageReady } from './storage-ready';
export { startGroupWhenReady } from './group-host';
