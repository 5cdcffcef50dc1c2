/** DI tokens: ports are interfaces, so Nest needs explicit tokens to inject them. */
export const CONFIG = Symbol('espalier.config');
export const LOGGER = Symbol('espalier.logger');
export const PG_POOL = Symbol('espalier.pg-pool');
export const EVENT_LOG = Symbol('espalier.event-log');
export const SERVICE_SCHEMA = Symbol('espalier.service-schema');
export const CHECKPOINT_BARRIER = Symbol('espalier.checkpoint-barrier');
export const SERVICE_NAME = Symbol('espalier.service-name');
/** A StorageReady: consumers other than projections start once the schema is migrated and the projections run. */
export const STORAGE_READY = Symbol('espalier.storage-ready');
