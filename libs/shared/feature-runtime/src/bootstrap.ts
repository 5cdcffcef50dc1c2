import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplication, ModuleMetadata } from '@nestjs/common';
import type { EventLog } from '@espalier/contracts/event-log';
import type { ServiceSchema } from '@espalier/shared/data-access-postgres';
import { loadConfig, type Config, type ServiceName } from '@espalier/shared/util-config';
import { createLogger, type Logger } from '@espalier/shared/util-logging';
import { NestPinoLogger } from './nest-logger';
import { RuntimeModule } from './runtime.module';

export const VERSION = process.env.ESPALIER_BUILD_VERSION ?? '0.1.0';

export interface ServiceDefinition<S extends ServiceName> {
  readonly service: S;
  /** The schema it owns; a function when configuration shapes its projections. */
  readonly schema: ServiceSchema | ((config: Config<S>) => ServiceSchema);
  /** The service's feature modules, given its loaded configuration. */
  readonly imports?: (config: Config<S>) => NonNullable<ModuleMetadata['imports']>;
  /**
   * Nest's JSON/urlencoded body parsers. Device endpoints turn them off: they
   * read the exact request bytes themselves (signatures cover them).
   */
  readonly bodyParser?: boolean;
}

export interface ServiceApp<S extends ServiceName> {
  readonly app: INestApplication;
  readonly config: Config<S>;
  readonly logger: Logger;
}

/** Configuration that does not load: every problem, for the operator. */
export class InvalidConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: readonly string[],
  ) {
    super(`espalier ${service}: invalid configuration:\n${problems.map((e) => `  - ${e}`).join('\n')}`);
  }
}

/**
 * Builds one service's application from its configuration without listening:
 * a process of its own listens on it (bootstrapService), the one-process mode
 * serves several behind one port.
 */
export async function createServiceApp<S extends ServiceName>(
  definition: ServiceDefinition<S>,
  input: { readonly argv: readonly string[]; readonly env: NodeJS.ProcessEnv; readonly sharedLog?: EventLog; readonly logger?: Logger },
): Promise<ServiceApp<S>> {
  const loaded = loadConfig({ argv: [...input.argv], env: input.env, service: definition.service });
  if (loaded.ok !== true) throw new InvalidConfigError(definition.service, loaded.ok === false ? loaded.errors : [`unexpected ${loaded.ok} request`]);
  const config = loaded.config as Config<S> & Config<'push'>;
  const logger = input.logger ?? createLogger({ service: definition.service, level: config.debug ? 'debug' : config.logLevel });
  const root: DynamicModule = {
    module: class EspalierServiceModule {},
    imports: [
      RuntimeModule.forService({
        service: definition.service,
        config,
        logger,
        schema: typeof definition.schema === 'function' ? definition.schema(loaded.config) : definition.schema,
        sharedLog: input.sharedLog,
      }),
      ...(definition.imports?.(loaded.config) ?? []),
    ],
  };
  const app = await NestFactory.create(root, { logger: new NestPinoLogger(logger), abortOnError: false, bodyParser: definition.bodyParser ?? true });
  return { app, config: loaded.config, logger };
}

/**
 * The one way a service process starts: configuration from flags and
 * ESPALIER_* variables (invalid → exit 2 with every problem listed), JSON
 * logging, the shared runtime, graceful shutdown on SIGTERM/SIGINT bounded by
 * -shutdown-timeout.
 */
export async function bootstrapService<S extends ServiceName>(definition: ServiceDefinition<S>): Promise<void> {
  const argv = process.argv.slice(2);
  const loaded = loadConfig({ argv, env: process.env, service: definition.service });
  if (loaded.ok === 'help') return void process.stdout.write(loaded.text + '\n');
  if (loaded.ok === 'version') return void process.stdout.write(`espalier ${definition.service} ${VERSION}\n`);
  if (loaded.ok === false) {
    process.stderr.write(new InvalidConfigError(definition.service, loaded.errors).message + '\n');
    process.exit(2);
  }
  const config = loaded.config as Config<S> & Config<'push'>;
  const logger = createLogger({ service: definition.service, level: config.debug ? 'debug' : config.logLevel });
  try {
    const { app } = await createServiceApp(definition, { argv, env: process.env, logger });
    app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        // A stuck dependency must not keep a stopping replica alive forever.
        setTimeout(() => {
          logger.error({ signal, timeoutMs: config.shutdownTimeout }, 'shutdown timed out, exiting');
          process.exit(1);
        }, config.shutdownTimeout).unref();
      });
    }
    await app.listen(config.listen.port, config.listen.host ?? '0.0.0.0');
    logger.info({ listen: `${config.listen.host ?? ''}:${config.listen.port}`, version: VERSION }, 'listening');
  } catch (error) {
    logger.error({ err: error }, 'start-up failed');
    process.exit(1);
  }
}
