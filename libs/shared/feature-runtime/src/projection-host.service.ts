import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { CheckpointBarrier, migrateService, ProjectionRunner, type ServiceSchema } from '@espalier/shared/data-access-postgres';
import type { Logger } from '@espalier/shared/util-logging';
import type { RuntimeConfig } from '@espalier/contracts/runtime';
import { CHECKPOINT_BARRIER, CONFIG, EVENT_LOG, LOGGER, PG_POOL, SERVICE_SCHEMA, STORAGE_READY, type StorageReady } from '@espalier/contracts/runtime';

/**
 * Owns the service's storage lifecycle: migrations at start, one runner per
 * projection, and the ordered shutdown (runners finish their batch and commit,
 * then the log flushes and disconnects, then the pool closes).
 */
@Injectable()
export class ProjectionHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runners: ProjectionRunner<unknown>[] = [];
  private started = false;

  constructor(
    @Inject(CONFIG) private readonly config: RuntimeConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(SERVICE_SCHEMA) private readonly owned: ServiceSchema,
    @Inject(CHECKPOINT_BARRIER) private readonly barrier: CheckpointBarrier,
    @Inject(STORAGE_READY) private readonly storage: StorageReady,
  ) {}

  get ready(): boolean {
    return this.started;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.migrate) {
      const report = await migrateService(this.pool, this.owned);
      this.logger.info({ schema: report.schema, applied: report.applied }, 'migrations up to date');
    }
    for (const projection of this.owned.projections) {
      const runner = new ProjectionRunner(
        projection,
        { pool: this.pool, log: this.log, logger: this.logger.child({ projection: projection.name }), barrier: this.barrier },
        { maxAttempts: this.config.consumerMaxAttempts },
      );
      await runner.start();
      this.runners.push(runner);
    }
    this.started = true;
    this.storage.markReady();
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.started = false;
    this.logger.info({ signal }, 'shutting down: finishing batches in flight');
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.log.close();
    await this.pool.end();
    this.logger.info('shut down cleanly');
  }
}
