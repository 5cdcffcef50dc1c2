import { bootstrapService } from '@espalier/shared/feature-runtime';
import { pushSchema } from './push.schema';

void bootstrapService({ service: 'push', schema: pushSchema });
