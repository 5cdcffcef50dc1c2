import net from 'node:net';
import { Kafka, logLevel as KafkaLogLevel, type ISocketFactory, type LogEntry } from 'kafkajs';

export interface KafkaLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: KafkaLogger;
  /** Retries of a failed request or connection (default 8, riding out a broker restart); operator tools ask fewer, to fail fast. */
  readonly retries?: number;
}

/**
 * kafkajs logs through its own logger; route it into ours so its messages
 * carry the service's context. kafkajs INFO is chatty (every join, every
 * connect), so it maps to debug. It also logs every error response from the
 * broker ("Response …", e.g. "the coordinator is loading" on a fresh broker)
 * at ERROR although it retries them; those are warnings. A request that
 * finally fails reaches our code as an exception and is logged there.
 *
 * One warning is a choice we made, logged at every start: retries of the
 * idempotent producer are bounded (so a broker outage becomes a 503 the
 * device retries), which kafkajs says "may invalidate EoS". Appends are
 * at-least-once by design and consumers tolerate a repeated event, so it
 * goes to debug.
 */
const BOUNDED_RETRIES_NOTICE = 'Limiting retries for the idempotent producer';

function logCreator(logger: KafkaLogger) {
  return () =>
    ({ level, log }: LogEntry): void => {
      const { message, ...rest } = log;
      const fields = { kafka: rest };
      if (message.startsWith(BOUNDED_RETRIES_NOTICE)) logger.debug(fields, message);
      else if (level === KafkaLogLevel.ERROR && !message.startsWith('Response ')) logger.error(fields, message);
      else if (level === KafkaLogLevel.ERROR) logger.warn(fields, message);
      else if (level === KafkaLogLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    };
}

/**
 * Plain TCP sockets (as kafkajs' default factory), remembered so that close()
 * can end any left behind: after a broker restart kafkajs' consumer can keep
 * a reconnected socket past disconnect(), which would keep the process alive.
 */
export class TrackedSockets {
  private readonly open = new Set<net.Socket>();

  readonly factory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    socket.setKeepAlive(true, 60_000);
    this.open.add(socket);
    socket.once('close', () => this.open.delete(socket));
    return socket;
  };

  destroyAll(): number {
    const left = this.open.size;
    for (const socket of this.open) socket.destroy();
    this.open.clear();
    return left;
  }
}

export function createKafka(options: KafkaClientOptions, sockets?: TrackedSockets): Kafka {
  return new Kafka({
    socketFactory: sockets?.factory,
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: KafkaLogLevel.INFO,
    logCreator: logCreator(options.logger),
    // A broker restart takes seconds: retry long enough to ride it out,
    // then surface the failure to the caller (who answers 503, never 200).
    retry: { initialRetryTime: 200, maxRetryTime: 5_000, retries: options.retries ?? 8 },
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
  });
}
