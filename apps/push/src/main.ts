import { bootstrapService } from '@espalier/shared/feature-runtime';
import { pushService } from './push.service';

void bootstrapService(pushService);
