import type { ServiceDefinition } from '@espalier/shared/feature-runtime';
import { WebhookModule } from '@espalier/webhook/feature';
import { webhookSchema } from './webhook.schema';

export const webhookService: ServiceDefinition<'webhook'> = { service: 'webhook', schema: webhookSchema, imports: (config) => [WebhookModule.forRoot(config)] };
