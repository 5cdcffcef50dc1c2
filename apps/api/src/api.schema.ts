import { apiProjection, historyProjection } from '@espalier/api/data-access-api';
import type { ServiceSchema } from '@espalier/shared/data-access-postgres';

/**
 * The PostgreSQL schema "api" owns: the api.registry projection (enrollments
 * that may be targeted, CommandUUIDs taken, push certificates' expiry) and
 * api.history (each enrollment's events, without secrets). No
 * other service reads it; what others need from api they learn from its events.
 */
export const apiSchema: ServiceSchema = { schema: 'api', migrations: [], projections: [apiProjection('api'), historyProjection('api')] };
