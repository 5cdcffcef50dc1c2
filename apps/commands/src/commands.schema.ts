import { queueProjection } from '@espalier/commands/data-access-queue';
import type { ServiceSchema } from '@espalier/shared/data-access-postgres';

/**
 * The PostgreSQL schema "commands" owns: the queue projection (command
 * bodies, per-enrollment queue entries and results, and what it needs from
 * mdm.enrollment: enrollments, Authenticate times, cert-auth associations).
 * No other service reads it. The retention mode changes how answers are
 * applied, so a replay must use the service's setting.
 */
export function commandsSchemaFor(options: { deleteAnswered: boolean }): ServiceSchema {
  return { schema: 'commands', migrations: [], projections: [queueProjection({ schema: 'commands', deleteAnswered: options.deleteAnswered })] };
}

/** For operator tools: ESPALIER_RETENTION_RESULTS decides the mode, as it does for the service. */
export const commandsSchema: ServiceSchema = commandsSchemaFor({ deleteAnswered: process.env.ESPALIER_RETENTION_RESULTS === 'delete' });
