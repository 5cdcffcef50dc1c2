import { bootstrapService } from '@espalier/shared/feature-runtime';
import { checkinService } from './checkin.service';

void bootstrapService(checkinService);
