import { readFileSync } from 'node:fs';
import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { CHECKPOINT_BARRIER, EVENT_LOG, LOGGER, PG_POOL } from '@espalier/contracts/runtime';
import { QueueStateReader } from '@espalier/commands/data-access-queue';
import { DeviceAuthenticator, DeviceCertVerifier } from '@espalier/mdm/device-auth';
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

function readPem(flag: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`commands: reading ${flag} ${path}: ${(error as Error).message}`);
  }
}

/** The same device authentication as checkin (§8.3): fails at start-up without -ca, never per request. */
function authenticatorFrom(config: Config<'commands'>): DeviceAuthenticator {
  if (!config.ca) throw new Error('commands: must supply the CA certificate path (-ca / ESPALIER_CA)');
  const verifier = DeviceCertVerifier.fromPem({
    roots: readPem('-ca', config.ca),
    intermediates: config.intermediate ? readPem('-intermediate', config.intermediate) : undefined,
  });
  return new DeviceAuthenticator({ verifier, certHeader: config.certHeader || undefined });
}

/** A report becomes base64 inside an event (4/3 of its size, plus the envelope): it must fit the log's record size. */
function checkBodyLimit(config: Config<'commands'>): void {
  const eventBytes = Math.ceil(config.bodyLimit / 3) * 4 + 64 * 1024;
  if (eventBytes > MAX_RECORD_BYTES) {
    throw new Error(`commands: -body-limit ${config.bodyLimit} is too large: its events would exceed the log's ${MAX_RECORD_BYTES}-byte records`);
  }
}

@Module({})
export class CommandsModule {
  static forRoot(config: Config<'commands'>): DynamicModule {
    checkBodyLimit(config);
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
