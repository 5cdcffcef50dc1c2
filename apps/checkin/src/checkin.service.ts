import { CheckinModule } from '@espalier/checkin/feature';
import type { ServiceDefinition } from '@espalier/shared/feature-runtime';
import { checkinSchema } from './checkin.schema';

export const checkinService: ServiceDefinition<'checkin'> = {
  service: 'checkin',
  schema: checkinSchema,
  // Device requests are signed over their exact bytes: no body parser may run first.
  bodyParser: false,
  imports: (config) => [CheckinModule.forRoot(config)],
};
