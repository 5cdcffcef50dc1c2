import { Module, type DynamicModule } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { CHECKPOINT_BARRIER, EVENT_LOG, LOGGER, PG_POOL } from '@espalier/contracts/runtime';
import { CheckinStateReader } from '@espalier/checkin/data-access-enrollments';
import { DeviceAuthenticator, DeviceCertVerifier } from '@espalier/mdm/device-auth';
import { checkBodyLimit, readDeviceCa } from '@espalier/mdm/device-http';
import { MAX_RECORD_BYTES } from '@espalier/shared/data-access-kafka';
import type { CheckpointBarrier } from '@espalier/shared/data-access-postgres';
import type { Config } from '@espalier/shared/util-config';
import { secretBoxFromSettings } from '@espalier/shared/util-crypto';
import { uuidv7 } from '@espalier/shared/util-ids';
import type { Logger } from '@espalier/shared/util-logging';
import { AuthProxy } from './auth-proxy';
import { AuthProxyController } from './auth-proxy.controller';
import { CheckinController } from './checkin.controller';
import { CHECKIN_LIMITS, CheckinService, MIGRATION_KEY } from './checkin.tokens';
import { MigrationController } from './migration.controller';
import { DeclarativeManagementClient } from './declarative-management.client';
import { TokenHandlerRegistry, type TokenHandler } from './token-handlers';

export const CHECKIN_SCHEMA = 'checkin';

/**
 * Fails at start-up on impossible wiring (NanoMDM: "must supply CA cert path
 * flag"), never per request.
 */
function authenticatorFrom(config: Config<'checkin'>): DeviceAuthenticator {
  const verifier = DeviceCertVerifier.fromPem(readDeviceCa('checkin', config));
  return new DeviceAuthenticator({ verifier, certHeader: config.certHeader || undefined });
}

/**
 * Security: /migration takes check-ins with no device certificate, on the API
 * key alone; it is served only when the operator asks for it (-migration) and
 * set a key (-api).
 */
function migrationKey(config: Config<'checkin'>): string | null {
  if (!config.migration) return null;
  if (!config.api) throw new Error('checkin: -migration needs -api (ESPALIER_API): /migration is protected by the API key');
  return config.api;
}

@Module({})
export class CheckinModule {
  static forRoot(config: Config<'checkin'>, options: { tokenHandlers?: readonly TokenHandler[] } = {}): DynamicModule {
    checkBodyLimit('checkin', config.bodyLimit, MAX_RECORD_BYTES);
    const authenticator = authenticatorFrom(config);
    const authProxy = config.authProxyUrl
      ? [
          {
            provide: AuthProxy,
            inject: [PG_POOL, LOGGER],
            useFactory: (pool: Pool, logger: Logger) =>
              new AuthProxy({
                target: new URL(config.authProxyUrl as string),
                authenticator,
                reader: new CheckinStateReader(pool, CHECKIN_SCHEMA),
                logger: logger.child({ component: 'authproxy' }),
                newId: () => uuidv7(),
              }),
          },
        ]
      : [];
    return {
      module: CheckinModule,
      controllers: [CheckinController, MigrationController, ...(config.authProxyUrl ? [AuthProxyController] : [])],
      providers: [
        ...authProxy,
        { provide: CHECKIN_LIMITS, useValue: { bodyLimit: config.bodyLimit } },
        { provide: MIGRATION_KEY, useValue: migrationKey(config) },
        {
          provide: CheckinService,
          inject: [PG_POOL, EVENT_LOG, CHECKPOINT_BARRIER, LOGGER],
          useFactory: (pool: Pool, log: EventLog, barrier: CheckpointBarrier, logger: Logger) =>
            new CheckinService(
              {
                authenticator,
                reader: new CheckinStateReader(pool, CHECKIN_SCHEMA),
                appender: log.appender,
                barrier,
                box: secretBoxFromSettings(config, 'checkin', 'to seal unlock and bootstrap tokens before they enter the event log'),
                tokens: new TokenHandlerRegistry(options.tokenHandlers),
                dm: config.dm
                  ? new DeclarativeManagementClient({ baseUrl: config.dm, sendHmacKey: config.dmSendHmacKey, recvHmacKey: config.dmRecvHmacKey })
                  : null,
                logger: logger.child({ component: 'checkin' }),
                clock: () => new Date(),
                newId: () => uuidv7(),
                dumpTo: (chunk) => process.stdout.write(chunk),
              },
              {
                retro: config.retro,
                uaZeroLengthDigestChallenge: config.uaZlDc,
                separateCheckinPath: config.checkin,
                catchUpTimeoutMs: config.catchUpTimeout,
                dump: config.dump,
                schema: CHECKIN_SCHEMA,
              },
            ),
        },
      ],
    };
  }
}
