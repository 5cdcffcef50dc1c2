import type { ServiceSchema } from '@espalier/shared/data-access-postgres';

/**
 * The PostgreSQL schema "push" owns. No other service reads it; what others
 * need from push they learn from its events.
 */
export const pushSchema: ServiceSchema = { schema: 'push', migrations: [], projections: [] };
