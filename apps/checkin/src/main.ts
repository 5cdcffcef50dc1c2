import { CheckinModule } from '@espalier/checkin/feature';
import { bootstrapService } from '@espalier/shared/feature-runtime';
import { checkinSchema } from './checkin.schema';

void bootstrapService({
  service: 'checkin',
  schema: checkinSchema,
  // Device requests are signed over their exact bytes: no body parser may run first.
  bodyParser: false,
  imports: (config) => [CheckinModule.forRoot(config)],
});
