import { Inject, Injectable, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { Pool } from 'pg';
import type { EventLog } from '@espalier/contracts/event-log';
import { CheckpointBarrier, migrateService, ProjectionRunner, type RunnerStats, type ServiceSchema } from '@espalier/shared/data-access-postgres';
import type { Logger } from '@espalier/shared/util-logging';
import type { RuntimeConfig } from '@espalier/contracts/runtime';
import { CHECKPOINT_BARRIER, CONFIG, EVENT_LOG, LOGGER, PG_POOL, SERVICE_SCHEMA, STORAGE_READY, type StorageReady } from '@espalier/contracts/runtime';

/** A rebuild of a large log takes a while; the wait is retried, so this only bounds one attempt. */
const CATCH_UP_LIMIT_MS = 10 * 60_000;

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

  private caughtUp = false;

  /** Ready once every projection has applied what the log held at start: a replica that is still rebuilding takes no traffic. */
  get ready(): boolean {
    return this.started && this.caughtUp;
  }

  /** Why the projections are not ready, for /readyz. */
  get status(): 'not started' | 'catching up with the log' | 'ready' {
    return !this.started ? 'not started' : this.caughtUp ? 'ready' : 'catching up with the log';
  }

  /** Each running projection's apply counters since this process started, for /metrics. */
  get projectionStats(): { readonly projection: string; readonly stats: RunnerStats }[] {
    return this.runners.map((runner, i) => ({ projection: this.owned.projections[i].name, stats: runner.stats }));
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
    void this.catchUp();
  }

  /** Waits (retrying through broker hiccups) until each projection reached the log's end as it was at start. */
  private async catchUp(): Promise<void> {
    const since = Date.now();
    for (;;) {
      try {
        for (const projection of this.owned.projections) {
          for (const topic of projection.topics) {
            const ends = await this.log.endOffsets(topic);
            for (const end of ends.filter((e) => BigInt(e.high) > 0n)) {
              const position = { topic, partition: end.partition, offset: (BigInt(end.high) - 1n).toString() };
              await this.barrier.waitFor(projection.schema, projection.name, position, CATCH_UP_LIMIT_MS);
            }
          }
        }
        this.caughtUp = true;
        this.logger.info({ ms: Date.now() - since }, 'projections caught up with the log');
        return;
      } catch (error) {
        if (!this.started) return;
        this.logger.warn({ err: error }, 'catching up with the log: retrying');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.started = false;
    this.caughtUp = false;
    this.logger.info({ signal }, 'shutting down: finishing batches in flight');
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.log.close();
    await this.pool.end();
    this.logger.info('shut down cleanly');
  }
}
