import { bootstrapService } from '@espalier/shared/feature-runtime';
import { webhookService } from './webhook.service';

void bootstrapService(webhookService);
