import { bootstrapService } from '@espalier/shared/feature-runtime';
import { commandsService } from './commands.service';

void bootstrapService(commandsService);
