export { EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
export { EmbeddedPostgresThread } from './embedded-postgres-thread';
export type { EmbeddedPostgresLogger } from './logger';
