import { bootstrapService } from '@espalier/shared/feature-runtime';
import { checkinSchema } from './checkin.schema';

void bootstrapService({ service: 'checkin', schema: checkinSchema });
