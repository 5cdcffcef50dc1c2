import { pushTargetsProjection } from '@espalier/push/data-access-push';
import type { ServiceSchema } from '@espalier/shared/data-access-postgres';

/**
 * The PostgreSQL schema "push" owns: the push.targets projection (each
 * enrollment's push data from its latest TokenUpdate, tokens APNs refused,
 * and each topic's current push certificate). No other service reads it;
 * what others need from push they learn from its events.
 */
export const pushSchema: ServiceSchema = { schema: 'push', migrations: [], projections: [pushTargetsProjection('push')] };
