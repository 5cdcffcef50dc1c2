import { enrollmentsProjection } from '@espalier/checkin/data-access-enrollments';
import type { ServiceSchema } from '@espalier/shared/data-access-postgres';

/**
 * The PostgreSQL schema "checkin" owns: the enrollment projection (devices,
 * users, enrollments, cert-auth associations). No other service reads it;
 * what others need from checkin they learn from mdm.enrollment.
 */
export const checkinSchema: ServiceSchema = { schema: 'checkin', migrations: [], projections: [enrollmentsProjection('checkin')] };
