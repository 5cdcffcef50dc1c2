import type { ServiceSchema } from '@espalier/shared/data-access-postgres';

/**
 * The PostgreSQL schema "api" owns. No other service reads it; what others
 * need from api they learn from its events.
 */
export const apiSchema: ServiceSchema = { schema: 'api', migrations: [], projections: [] };
