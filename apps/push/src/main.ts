import { PushModule } from '@espalier/push/feature';
import { bootstrapService } from '@espalier/shared/feature-runtime';
import { pushSchema } from './push.schema';

void bootstrapService({ service: 'push', schema: pushSchema, imports: (config) => [PushModule.forRoot(config)] });
