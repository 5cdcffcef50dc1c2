import type { ServiceSchema } from '@espalier/shared/data-access-postgres';

/**
 * The PostgreSQL schema "checkin" owns. No other service reads it; what others
 * need from checkin they learn from its events.
 */
export const checkinSchema: ServiceSchema = { schema: 'checkin', migrations: [], projections: [] };
