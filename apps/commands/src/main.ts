import { CommandsModule } from '@espalier/commands/feature';
import { bootstrapService } from '@espalier/shared/feature-runtime';
import { commandsSchemaFor } from './commands.schema';

void bootstrapService({
  service: 'commands',
  schema: (config) => commandsSchemaFor({ deleteAnswered: config.retentionResults === 'delete' }),
  // Device requests are signed over their exact bytes: no body parser may run first.
  bodyParser: false,
  imports: (config) => [CommandsModule.forRoot(config)],
});
