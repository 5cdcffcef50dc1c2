import { bootstrapService } from '@espalier/shared/feature-runtime';
import { commandsSchema } from './commands.schema';

void bootstrapService({ service: 'commands', schema: commandsSchema });
