export { WEBHOOK_SCHEMA, WebhookModule } from './webhook.module';
export { WEBHOOK_GROUP, WEBHOOK_SOURCE_TOPICS } from './webhook.host';
export { WEBHOOK_CHECKPOINT } from './webhook.store';
export { webhookMigrations } from './webhook.migrations';
