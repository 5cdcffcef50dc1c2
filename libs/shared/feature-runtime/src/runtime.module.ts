import { Module, type DynamicModule, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import type { Pool } from 'pg';
import { CheckpointBarrier, createPool, type ServiceSchema } from '@espalier/shared/data-access-postgres';
import type { EventLog } from '@espalier/contracts/event-log';
import type { Logger } from '@espalier/shared/util-logging';
import { eventLogProvider } from './event-log.provider';
import { HealthController } from './health.controller';
import { ConsumerGroupRegistry } from './metrics/consumer-groups.registry';
import { ConsumerLagCollector } from './metrics/consumer-lag.collector';
import { HttpDurations, HttpMetricsMiddleware } from './metrics/http-metrics.middleware';
import { MetricsController } from './metrics/metrics.controller';
import { ProjectionHost } from './projection-host.service';
import type { RuntimeConfig } from '@espalier/contracts/runtime';
import { CHECKPOINT_BARRIER, CONFIG, EVENT_LOG, LOGGER, PG_POOL, SERVICE_NAME, SERVICE_SCHEMA, STORAGE_READY, storageReady } from '@espalier/contracts/runtime';

export interface RuntimeModuleOptions {
  readonly service: string;
  readonly config: RuntimeConfig;
  readonly logger: Logger;
  readonly schema: ServiceSchema;
  /** A log the host shares between services in one process; absent, the service connects its own. */
  readonly sharedLog?: EventLog;
}

/** What every service shares: config, logger, PostgreSQL, the event log, projections, health, metrics. */
@Module({})
export class RuntimeModule implements NestModule {
  static forService(options: RuntimeModuleOptions): DynamicModule {
    return {
      module: RuntimeModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_NAME, useValue: options.service },
        { provide: CONFIG, useValue: options.config },
        { provide: LOGGER, useValue: options.logger },
        { provide: SERVICE_SCHEMA, useValue: options.schema },
        {
          provide: PG_POOL,
          inject: [CONFIG, LOGGER],
          useFactory: (config: RuntimeConfig, logger: Logger) =>
            createPool({
              connectionString: config.databaseUrl,
              applicationName: `espalier-${options.service}`,
              onIdleError: (err) => logger.warn({ err }, 'postgres: idle connection lost'),
            }),
        },
        { provide: CHECKPOINT_BARRIER, inject: [PG_POOL], useFactory: (pool: Pool) => new CheckpointBarrier(pool) },
        { provide: STORAGE_READY, useFactory: storageReady },
        ConsumerGroupRegistry,
        eventLogProvider(options.sharedLog),
        ProjectionHost,
        ConsumerLagCollector,
        HttpDurations,
      ],
      exports: [SERVICE_NAME, CONFIG, LOGGER, SERVICE_SCHEMA, PG_POOL, CHECKPOINT_BARRIER, EVENT_LOG, STORAGE_READY, ProjectionHost],
    };
  }

  /** Every request is timed, whichever module's controller answers it. */
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('*');
  }
}
