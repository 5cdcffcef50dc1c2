import { CommandsModule } from '@espalier/commands/feature';
import type { ServiceDefinition } from '@espalier/shared/feature-runtime';
import { commandsSchemaFor } from './commands.schema';

export const commandsService: ServiceDefinition<'commands'> = {
  service: 'commands',
  schema: (config) => commandsSchemaFor({ deleteAnswered: config.retentionResults === 'delete' }),
  // Device requests are signed over their exact bytes: no body parser may run first.
  bodyParser: false,
  imports: (config) => [CommandsModule.forRoot(config)],
};
