import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { CHECKPOINT_BARRIER, EVENT_LOG, LOGGER, PG_POOL } from '@espalier/contracts/runtime';
import { ALL_TOPICS } from '@espalier/contracts/events';
import { API_PROJECTION, ApiReader, EnrollmentsReader, HISTORY_PROJECTION, HistoryReader, postEscrowKeyUnlock } from '@espalier/api/data-access-api';
import { checkBodyLimit } from '@espalier/mdm/device-http';
import { MAX_RECORD_BYTES } from '@espalier/shared/data-access-kafka';
import { LogFence, type CheckpointBarrier } from '@espalier/shared/data-access-postgres';
import type { Config } from '@espalier/shared/util-config';
import { secretBoxFromSettings } from '@espalier/shared/util-crypto';
import { uuidv7 } from '@espalier/shared/util-ids';
import type { Logger } from '@espalier/shared/util-logging';
import { ApiDisabledController } from './api-disabled.controller';
import { ApiController } from './api.controller';
import type { ApiDeps, ApiOptions } from './api.deps';
import { API_SETTINGS } from './api.tokens';
import { CommandSubmitter } from './command-submitter';
import { EnqueueService } from './enqueue.service';
import { JsonCommandService } from './json-command.service';
import { EscrowService } from './escrow.service';
import { DecisionWatcher } from './decision-watcher';
import { OutcomeWatcher } from './outcome-watcher';
import { OutcomeWatcherHost } from './outcome-watcher.host';
import { PushService } from './push.service';
import { HistoryService } from './history.service';
import { ReadService } from './read.service';
import { PushCertService } from './pushcert.service';
import { VersionController } from './version.controller';

export const API_SCHEMA = 'api';
const API_DEPS = Symbol('API_DEPS');
/** Apple answers within seconds; a caller must not hang on a silent endpoint. */
const ESCROW_TIMEOUT_MS = 30_000;

@Module({})
export class ApiModule {
  /** Without -api only /version is served, as in NanoMDM; /v1/ answers 404. */
  static forRoot(config: Config<'api'>, build: { version: string }): DynamicModule {
    checkBodyLimit('api', config.bodyLimit, MAX_RECORD_BYTES);
    const settings = { provide: API_SETTINGS, useValue: { key: config.api ?? '', bodyLimit: config.bodyLimit, version: build.version } };
    if (!config.api) return { module: ApiModule, controllers: [VersionController, ApiDisabledController], providers: [settings] };
    const box = secretBoxFromSettings(config, 'api', 'to seal uploaded push certificate keys');
    const options: ApiOptions = { pushWaitMs: config.pushWait, fenceTimeoutMs: config.catchUpTimeout, escrowKeyUnlockUrl: config.escrowKeyUnlockUrl };
    const service = <T>(type: new (deps: ApiDeps, options: ApiOptions) => T): Provider => ({
      provide: type,
      inject: [API_DEPS],
      useFactory: (deps: ApiDeps) => new type(deps, options),
    });
    return {
      module: ApiModule,
      controllers: [VersionController, ApiController],
      providers: [
        settings,
        OutcomeWatcher,
        DecisionWatcher,
        OutcomeWatcherHost,
        {
          provide: API_DEPS,
          inject: [PG_POOL, EVENT_LOG, CHECKPOINT_BARRIER, OutcomeWatcher, DecisionWatcher, LOGGER],
          useFactory: (pool: Pool, log: EventLog, barrier: CheckpointBarrier, watcher: OutcomeWatcher, decisions: DecisionWatcher, logger: Logger): ApiDeps => ({
            appender: log.appender,
            // Everything the log held when a request arrived: a device enrolled, a CommandUUID taken or a
            // certificate uploaded a moment ago (by any replica) is seen.
            fence: new LogFence(log, barrier).forProjection(API_SCHEMA, API_PROJECTION, ALL_TOPICS),
            reader: new ApiReader(pool, API_SCHEMA),
            watcher,
            decisions,
            box,
            clock: () => new Date(),
            newId: () => uuidv7(),
            logger: logger.child({ component: 'api' }),
          }),
        },
        service(PushCertService),
        {
          provide: HistoryService,
          inject: [API_DEPS, PG_POOL, EVENT_LOG, CHECKPOINT_BARRIER],
          useFactory: (deps: ApiDeps, pool: Pool, log: EventLog, barrier: CheckpointBarrier) =>
            new HistoryService(
              { logger: deps.logger, historyFence: new LogFence(log, barrier).forProjection(API_SCHEMA, HISTORY_PROJECTION, ALL_TOPICS) },
              options,
              new HistoryReader(pool, API_SCHEMA),
            ),
        },
        {
          provide: ReadService,
          inject: [API_DEPS, PG_POOL],
          useFactory: (deps: ApiDeps, pool: Pool) => new ReadService(deps, options, new EnrollmentsReader(pool, API_SCHEMA)),
        },
        {
          provide: EscrowService,
          inject: [API_DEPS],
          useFactory: (deps: ApiDeps) =>
            new EscrowService(deps, options, (request, identity) => postEscrowKeyUnlock(options.escrowKeyUnlockUrl, request, identity, ESCROW_TIMEOUT_MS)),
        },
        service(PushService),
        service(CommandSubmitter),
        {
          provide: EnqueueService,
          inject: [PushService, CommandSubmitter],
          useFactory: (pushes: PushService, submitter: CommandSubmitter) => new EnqueueService(options, pushes, submitter),
        },
        {
          provide: JsonCommandService,
          inject: [API_DEPS, CommandSubmitter, PG_POOL],
          useFactory: (deps: ApiDeps, submitter: CommandSubmitter, pool: Pool) => new JsonCommandService(deps, options, submitter, new EnrollmentsReader(pool, API_SCHEMA)),
        },
      ],
    };
  }
}
