import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { CHECKPOINT_BARRIER, EVENT_LOG, LOGGER, PG_POOL } from '@espalier/contracts/runtime';
import { TOPICS } from '@espalier/contracts/events';
import { PUSH_TARGETS_PROJECTION, PushTargetsReader } from '@espalier/push/data-access-push';
import { DEFAULT_RETRY } from '@espalier/push/domain';
import { LogFence, type CheckpointBarrier } from '@espalier/shared/data-access-postgres';
import type { Config } from '@espalier/shared/util-config';
import { secretBoxFromSettings } from '@espalier/shared/util-crypto';
import { uuidv7 } from '@espalier/shared/util-ids';
import type { Logger } from '@espalier/shared/util-logging';
import { ApnsClients } from './apns-clients';
import { PushDispatcher } from './push-dispatcher';
import { PushHost } from './push.host';
import { TriggerWindow } from './trigger-window';

export const PUSH_SCHEMA = 'push';

/** A window flushes early at this many triggers, bounding one flush's memory. */
const MAX_WINDOW_TRIGGERS = 50_000;
/** The projection may be far behind after a burst of enrollments; a push can wait longer than a device request. */
const FENCE_TIMEOUT_MS = 60_000;

@Module({})
export class PushModule {
  static forRoot(config: Config<'push'>): DynamicModule {
    // Push keys are sealed (the topic as associated data) before they enter the log.
    const box = secretBoxFromSettings(config, 'push', "to open the push certificates' private keys");
    return {
      module: PushModule,
      providers: [
        { provide: PushTargetsReader, inject: [PG_POOL], useFactory: (pool: Pool) => new PushTargetsReader(pool, PUSH_SCHEMA) },
        {
          provide: ApnsClients,
          inject: [PushTargetsReader, LOGGER],
          useFactory: (reader: PushTargetsReader, logger: Logger) =>
            new ApnsClients(
              { certificate: (topic) => reader.certificate(topic), box, logger: logger.child({ component: 'apns' }) },
              {
                baseUrl: config.apnsUrl,
                sessions: config.apnsConnections,
                maxInFlight: config.apnsInFlight,
                ...(config.apnsExpiration === undefined ? {} : { expirationSeconds: Math.ceil(config.apnsExpiration / 1000) }),
              },
            ),
        },
        {
          provide: TriggerWindow,
          inject: [PushTargetsReader, EVENT_LOG, CHECKPOINT_BARRIER, ApnsClients, LOGGER],
          useFactory: (reader: PushTargetsReader, log: EventLog, barrier: CheckpointBarrier, clients: ApnsClients, logger: Logger) => {
            const dispatcher = new PushDispatcher(
              {
                // The push projection caught up with both its topics: a device enrolled a moment ago has push data,
                // a certificate uploaded a moment ago is used, a token refused by the previous push is known.
                fence: new LogFence(log, barrier).forProjection(PUSH_SCHEMA, PUSH_TARGETS_PROJECTION, [TOPICS.enrollment, TOPICS.push]),
                targets: (ids) => reader.targets(ids),
                clients,
                appender: log.appender,
                logger: logger.child({ component: 'push' }),
                ids: { clock: () => new Date(), newId: () => uuidv7() },
                send: { sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), random: Math.random },
              },
              { timeoutMs: FENCE_TIMEOUT_MS, retry: DEFAULT_RETRY },
            );
            return new TriggerWindow((triggers) => dispatcher.dispatch(triggers), { windowMs: config.pushCoalesce, maxTriggers: MAX_WINDOW_TRIGGERS });
          },
        },
        PushHost,
      ],
    };
  }
}
