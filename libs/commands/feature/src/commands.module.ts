import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { CHECKPOINT_BARRIER, EVENT_LOG, LOGGER, PG_POOL } from '@espalier/contracts/runtime';
import { QueueStateReader } from '@espalier/commands/data-access-queue';
import { DeviceAuthenticator, DeviceCertVerifier } from '@espalier/mdm/device-auth';
import { checkBodyLimit, readDeviceCa } from '@espalier/mdm/device-http';
import { MAX_RECORD_BYTES } from '@espalier/shared/data-access-kafka';
import { LogFence, type CheckpointBarrier } from '@espalier/shared/data-access-postgres';
import type { Config } from '@espalier/shared/util-config';
import { uuidv7 } from '@espalier/shared/util-ids';
import type { Logger } from '@espalier/shared/util-logging';
import { COMMANDS_LIMITS } from './commands.tokens';
import { EnqueueHandler } from './enqueue.handler';
import { EnqueueHost } from './enqueue.host';
import { QueueFence } from './queue-fence';
import { ReportController } from './report.controller';
import { ReportService } from './report.service';

export const COMMANDS_SCHEMA = 'commands';

/** An enqueue decision may wait on 100,000 entries being applied: far longer than a device request may. */
const ENQUEUE_TIMEOUT_MS = 120_000;

/** The same device authentication as checkin (§8.3): fails at start-up without -ca, never per request. */
function authenticatorFrom(config: Config<'commands'>): DeviceAuthenticator {
  const verifier = DeviceCertVerifier.fromPem(readDeviceCa('commands', config));
  return new DeviceAuthenticator({ verifier, certHeader: config.certHeader || undefined });
}

@Module({})
export class CommandsModule {
  static forRoot(config: Config<'commands'>): DynamicModule {
    checkBodyLimit('commands', config.bodyLimit, MAX_RECORD_BYTES);
    const authenticator = authenticatorFrom(config);
    const deleteAnswered = config.retentionResults === 'delete';
    const fenceProvider = {
      provide: QueueFence,
      inject: [EVENT_LOG, CHECKPOINT_BARRIER],
      useFactory: (log: EventLog, barrier: CheckpointBarrier) => new QueueFence(new LogFence(log, barrier), COMMANDS_SCHEMA),
    };
    return {
      module: CommandsModule,
      controllers: [ReportController],
      providers: [
        fenceProvider,
        { provide: COMMANDS_LIMITS, useValue: { bodyLimit: config.bodyLimit } },
        {
          provide: ReportService,
          inject: [PG_POOL, EVENT_LOG, QueueFence, LOGGER],
          useFactory: (pool: Pool, log: EventLog, fence: QueueFence, logger: Logger) =>
            new ReportService(
              {
                authenticator,
                fence,
                reader: new QueueStateReader(pool, COMMANDS_SCHEMA),
                appender: log.appender,
                logger: logger.child({ component: 'reports' }),
                clock: () => new Date(),
                newId: () => uuidv7(),
                dumpTo: (chunk) => process.stdout.write(chunk),
              },
              { retro: config.retro, deleteAnswered, timeoutMs: config.catchUpTimeout, dump: config.dump },
            ),
        },
        {
          provide: EnqueueHandler,
          inject: [PG_POOL, EVENT_LOG, CHECKPOINT_BARRIER, QueueFence, LOGGER],
          useFactory: (pool: Pool, log: EventLog, barrier: CheckpointBarrier, fence: QueueFence, logger: Logger) =>
            new EnqueueHandler(
              {
                fence,
                reader: new QueueStateReader(pool, COMMANDS_SCHEMA),
                appender: log.appender,
                barrier,
                logger: logger.child({ component: 'enqueue' }),
                clock: () => new Date(),
                newId: () => uuidv7(),
              },
              { schema: COMMANDS_SCHEMA, deleteAnswered, timeoutMs: ENQUEUE_TIMEOUT_MS },
            ),
        },
        EnqueueHost,
      ],
    };
  }
}
