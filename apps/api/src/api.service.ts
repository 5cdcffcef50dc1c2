import { ApiModule } from '@espalier/api/feature';
import { VERSION, type ServiceDefinition } from '@espalier/shared/feature-runtime';
import { apiSchema } from './api.schema';

export const apiService: ServiceDefinition<'api'> = {
  service: 'api',
  schema: apiSchema,
  // Enqueued commands are stored byte-for-byte: no body parser may run first.
  bodyParser: false,
  imports: (config) => [ApiModule.forRoot(config, { version: VERSION })],
};
