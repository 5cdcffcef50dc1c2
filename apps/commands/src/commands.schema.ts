import type { ServiceSchema } from '@espalier/shared/data-access-postgres';

/**
 * The PostgreSQL schema "commands" owns. No other service reads it; what others
 * need from commands they learn from its events.
 */
export const commandsSchema: ServiceSchema = { schema: 'commands', migrations: [], projections: [] };
