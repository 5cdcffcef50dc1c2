import { existsSync } from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { EmbeddedPostgresOptions } from './embedded-postgres';
import { silentLogger } from './logger';
import type { FromWorker, ToWorker } from './worker-messages';

/** The project runs TypeScript through tsx, whose hooks a worker thread does not inherit: the thread registers them first. */
const WORKER_BOOT = `require('tsx/cjs'); require(${JSON.stringify(path.join(__dirname, 'embedded-postgres.worker.ts'))});`;

/**
 * EmbeddedPostgres on a thread of its own, for a process that also runs
 * the services: PGlite's work (the database engine itself) then runs on a
 * second core instead of sharing the event loop with HTTP and consumers.
 * A new data directory is initialised by a first, short-lived thread:
 * creating a cluster grows PGlite's memory to several hundred MB, which a
 * WebAssembly instance never gives back, so the serving thread starts from a
 * cluster that already exists.
 */
export class EmbeddedPostgresThread {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly connectionString: string,
  ) {}

  static async open(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresThread> {
    const logger = options.logger ?? silentLogger;
    const { logger: _ignored, ...data } = options;
    if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
      logger.info({ dataDir: options.dataDir }, 'embedded postgres: creating the database cluster');
      const init = await start({ ...data, port: 0 }, logger);
      await init.close();
    }
    const serving = await start(data, logger);
    return new EmbeddedPostgresThread(serving.worker, serving.connectionString);
  }

  /** Stops the server (rolling back what clients left open) and PGlite cleanly, then the thread. Idempotent. */
  close(): Promise<void> {
    this.closing ??= stop(this.worker);
    return this.closing;
  }
}

async function start(data: Omit<EmbeddedPostgresOptions, 'logger'>, logger: NonNullable<EmbeddedPostgresOptions['logger']>) {
  const worker = new Worker(WORKER_BOOT, { eval: true, workerData: data });
  worker.on('message', (m: FromWorker) => {
    if (m.kind === 'log') logger[m.level](m.obj, m.msg);
  });
  const connectionString = await new Promise<string>((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      if (m.kind === 'ready') resolve(m.connectionString);
      if (m.kind === 'failed') reject(new Error(`embedded postgres: ${m.message}`));
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`embedded postgres: its thread exited (${code}) before it was ready`)));
  });
  worker.removeAllListeners('error');
  worker.removeAllListeners('exit');
  worker.on('error', (error) => logger.error({ err: error }, 'embedded postgres: its thread failed'));
  return { worker, connectionString, close: () => stop(worker) };
}

async function stop(worker: Worker): Promise<void> {
  const done = new Promise<void>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.kind === 'closed') resolve();
      if (m.kind === 'failed') reject(new Error(`embedded postgres: closing: ${m.message}`));
    });
    worker.once('exit', () => resolve());
  });
  worker.postMessage({ kind: 'close' } satisfies ToWorker);
  try {
    await done;
  } finally {
    await worker.terminate();
  }
}
