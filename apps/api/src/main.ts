import { bootstrapService } from '@espalier/shared/feature-runtime';
import { apiSchema } from './api.schema';

void bootstrapService({ service: 'api', schema: apiSchema });
