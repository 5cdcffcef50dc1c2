import { bootstrapService } from '@espalier/shared/feature-runtime';
import { WebhookModule } from '@espalier/webhook/feature';
import { webhookSchema } from './webhook.schema';

void bootstrapService({ service: 'webhook', schema: webhookSchema, imports: (config) => [WebhookModule.forRoot(config)] });
