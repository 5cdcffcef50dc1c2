import { bootstrapService } from '@espalier/shared/feature-runtime';
import { apiService } from './api.service';

void bootstrapService(apiService);
