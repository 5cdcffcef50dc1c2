import { PushModule } from '@espalier/push/feature';
import type { ServiceDefinition } from '@espalier/shared/feature-runtime';
import { pushSchema } from './push.schema';

export const pushService: ServiceDefinition<'push'> = { service: 'push', schema: pushSchema, imports: (config) => [PushModule.forRoot(config)] };
