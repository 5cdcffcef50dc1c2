import type { ServiceSchema } from '@espalier/shared/data-access-postgres';
import { webhookMigrations, WEBHOOK_SCHEMA } from '@espalier/webhook/feature';

/**
 * The PostgreSQL schema "webhook" owns: the webhook consumer's checkpoints,
 * NanoMDM's token_update_tally per enrollment, where delivery began, the
 * outbox of webhooks not yet delivered and the ingest watermarks. No
 * projection: nothing here is rebuilt by replay (a rebuild would post every
 * webhook again).
 */
export const webhookSchema: ServiceSchema = { schema: WEBHOOK_SCHEMA, migrations: webhookMigrations, projections: [] };
