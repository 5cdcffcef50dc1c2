export { CHECKPOINT_BARRIER, CONFIG, EVENT_LOG, LOGGER, PG_POOL, SERVICE_NAME, SERVICE_SCHEMA } from './tokens';
export type { RuntimeConfig } from './runtime-config';
