export { EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
export type { EmbeddedPostgresLogger } from './logger';
