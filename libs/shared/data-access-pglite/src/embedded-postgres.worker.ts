import { parentPort, workerData } from 'node:worker_threads';
import { EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres';
import type { EmbeddedPostgresLogger } from './logger';
import type { FromWorker, ToWorker } from './worker-messages';

/**
 * The embedded server's thread: PGlite (PostgreSQL compiled to WebAssembly)
 * runs synchronously on the thread that calls it, so it gets a thread of
 * its own and the services' JavaScript keeps the main one. Log lines go to
 * the parent's logger.
 */
const port = parentPort;
if (!port) throw new Error('embedded-postgres.worker: must run as a worker thread');
const post = (message: FromWorker) => port.postMessage(message);
const serialise = (obj: object): object => {
  const err = (obj as { err?: unknown }).err;
  return err instanceof Error ? { ...obj, err: { type: err.name, message: err.message, stack: err.stack } } : obj;
};
const logger: EmbeddedPostgresLogger = {
  info: (obj, msg) => post({ kind: 'log', level: 'info', obj: serialise(obj), msg }),
  warn: (obj, msg) => post({ kind: 'log', level: 'warn', obj: serialise(obj), msg }),
  error: (obj, msg) => post({ kind: 'log', level: 'error', obj: serialise(obj), msg }),
};

void (async () => {
  let db: EmbeddedPostgres;
  try {
    db = await EmbeddedPostgres.open({ ...(workerData as Omit<EmbeddedPostgresOptions, 'logger'>), logger });
  } catch (error) {
    post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) });
    return;
  }
  port.on('message', (message: ToWorker) => {
    if (message.kind !== 'close') return;
    db.close().then(
      () => post({ kind: 'closed' }),
      (error: unknown) => post({ kind: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
  });
  post({ kind: 'ready', connectionString: db.connectionString });
})();
