import http from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { ServiceName as RoutedService } from '@espalier/contracts/routing';
import { PgEventLog } from '@espalier/shared/data-access-pglog';
import { createServiceApp, type ServiceDefinition } from '@espalier/shared/feature-runtime';
import type { ServiceName } from '@espalier/shared/util-config';
import { createLogger } from '@espalier/shared/util-logging';
import { apiService } from '../../apps/api/src/api.service';
import { checkinService } from '../../apps/checkin/src/checkin.service';
import { commandsService } from '../../apps/commands/src/commands.service';
import { pushService } from '../../apps/push/src/push.service';
import { webhookService } from '../../apps/webhook/src/webhook.service';
import { openDatabase } from './database';
import { frontDoor, opsDoor } from './front-door';

export interface OneProcessOptions {
  /** The services' shared environment (flags already turned into variables). */
  readonly env: NodeJS.ProcessEnv;
  readonly dataDir: string;
  readonly listen: { readonly host: string; readonly port: number };
  readonly ops: { readonly host: string; readonly port: number } | null;
  readonly say: (msg: string) => void;
}

export interface OneProcess {
  readonly port: number;
  stop(): Promise<void>;
}

type AnyDefinition = ServiceDefinition<ServiceName>;

/**
 * Every service in this process: one database (embedded unless DATABASE_URL
 * is set), one event log (kept in that database unless KAFKA_BROKERS is set,
 * then each service connects to Kafka as it would alone), the same Nest
 * applications, projections and SQL as the distributed stack, behind one
 * port with the proxy's routing rule.
 */
export async function startOneProcess(options: OneProcessOptions): Promise<OneProcess> {
  const { env, say } = options;
  const logger = createLogger({ service: 'espalier', level: 'info' });
  const definitions: AnyDefinition[] = [checkinService, commandsService, pushService, apiService, ...(env.ESPALIER_WEBHOOK_URL ? [webhookService] : [])] as AnyDefinition[];
  const db = await openDatabase(env, options.dataDir, logger);
  const apps: { name: ServiceName; app: INestApplication }[] = [];
  let log: PgEventLog | null = null;
  let front: http.Server | null = null;
  let ops: http.Server | null = null;
  const stop = async () => {
    await Promise.all([front, ops].map((s) => s && new Promise<void>((resolve) => s.close(() => resolve()))));
    // Reverse order: the API stops taking commands before delivery and push stop.
    for (const { app } of [...apps].reverse()) await app.close().catch((error: unknown) => logger.error({ err: error }, 'stopping a service failed'));
    await log?.close().catch((error: unknown) => logger.error({ err: error }, 'closing the event log failed'));
    await db.close();
  };
  try {
    say(`database: ${db.description}`);
    const serviceEnv: NodeJS.ProcessEnv = { ...env, DATABASE_URL: db.url };
    // One partition per topic for the log kept in the database, unless set: partitions are
    // how Kafka spreads a group over processes, and here one process consumes everything,
    // so more would only multiply fetches, checkpoints and transactions on the one session.
    if (!env.KAFKA_BROKERS && !env.ESPALIER_KAFKA_PARTITIONS) serviceEnv.ESPALIER_KAFKA_PARTITIONS = '1';
    if (!env.KAFKA_BROKERS) {
      log = new PgEventLog({ connectionString: db.url, applicationName: 'espalier-log', logger: logger.child({ component: 'pglog' }), poolSize: 4 });
      await log.connect();
      say('event log: PostgreSQL tables (schema eventlog)');
    } else say(`event log: Kafka at ${env.KAFKA_BROKERS}`);
    for (const definition of definitions) {
      const { app } = await createServiceApp(definition, { argv: [], env: serviceEnv, sharedLog: log ?? undefined });
      await app.init();
      apps.push({ name: definition.service, app });
    }
    const servers = new Map(apps.map(({ name, app }) => [name, app.getHttpServer() as http.Server]));
    front = await listen(http.createServer(frontDoor(servers as Map<RoutedService, http.Server>, { disableMdm: env.ESPALIER_DISABLE_MDM === 'true' })), options.listen);
    if (options.ops) ops = await listen(http.createServer(opsDoor(servers)), options.ops);
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  const address = front.address();
  return { port: typeof address === 'object' && address ? address.port : options.listen.port, stop };
}

function listen(server: http.Server, at: { host: string; port: number }): Promise<http.Server> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
