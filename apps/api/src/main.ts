import { ApiModule } from '@espalier/api/feature';
import { bootstrapService, VERSION } from '@espalier/shared/feature-runtime';
import { apiSchema } from './api.schema';

void bootstrapService({
  service: 'api',
  schema: apiSchema,
  // Enqueued commands are stored byte-for-byte: no body parser may run first.
  bodyParser: false,
  imports: (config) => [ApiModule.forRoot(config, { version: VERSION })],
});
