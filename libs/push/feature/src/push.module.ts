import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { CHECKPOINT_BARRIER, EVENT_LOG, LOGGER, PG_POOL } from '@espalier/contracts/runtime';
import { PushTargetsReader } from '@espalier/push/data-access-push';
import { DEFAULT_RETRY } from '@espalier/push/domain';
import { LogFence, type CheckpointBarrier } from '@espalier/shared/data-access-postgres';
import type { Config } from '@espalier/shared/util-config';
import { SecretBox } from '@espalier/shared/util-crypto';
import { uuidv7 } from '@espalier/shared/util-ids';
import type { Logger } from '@espalier/shared/util-logging';
import { ApnsClients } from './apns-clients';
import { PushDispatcher } from './push-dispatcher';
import { PushFence } from './push-fence';
import { PushHost } from './push.host';
import { TriggerWindow } from './trigger-window';

export const PUSH_SCHEMA = 'push';

/** A window flushes early at this many triggers, bounding one flush's memory. */
const MAX_WINDOW_TRIGGERS = 50_000;
/** The projection may be far behind after a burst of enrollments; a push can wait longer than a device request. */
const FENCE_TIMEOUT_MS = 60_000;

/** Push keys are sealed with the topic as associated data before they enter the log. */
function secretBoxFrom(config: Config<'push'>): SecretBox {
  if (!config.secretKey) throw new Error('push: needs -secret-key (ESPALIER_SECRET_KEY) to open the push certificates\' private keys');
  return new SecretBox({ keyId: config.secretKeyId, key: config.secretKey });
}

@Module({})
export class PushModule {
  static forRoot(config: Config<'push'>): DynamicModule {
    const box = secretBoxFrom(config);
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
                fence: new PushFence(new LogFence(log, barrier), PUSH_SCHEMA),
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
