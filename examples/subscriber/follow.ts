// Follows Espalier's enrollments and command results from Kafka, one line per event on stdout.
// An example external subscriber: kafkajs, its own consumer group, the event catalog to decode.
//   KAFKA_BROKERS=127.0.0.1:19092 npm run example:subscriber -- [--group <id>] [--from-beginning | --since <ISO time>]
// Guide: docs/subscribing.md.
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { decodeEvent, EventDecodeError, TOPICS } from '@espalier/contracts/events';
import { eventLine, FOLLOWED_TYPES } from './event-line';
import { commitStartOffsets, type StartPosition } from './start-position';
import { RecentIds } from './recent-ids';

interface Options {
  readonly brokers: string[];
  readonly groupId: string;
  readonly start: StartPosition;
}

const TOPICS_FOLLOWED = [TOPICS.enrollment, TOPICS.command];
const followed = new Set<string>(FOLLOWED_TYPES);

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const valueOf = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is required (comma-separated host:port)');
  const since = valueOf('--since');
  if (since !== undefined && Number.isNaN(Date.parse(since))) throw new Error(`--since: not a date-time: "${since}"`);
  const start: StartPosition =
    since !== undefined ? { from: 'time', since: new Date(since) } : { from: argv.includes('--from-beginning') ? 'beginning' : 'end' };
  return { brokers, groupId: valueOf('--group') ?? env.SUBSCRIBER_GROUP ?? 'example.subscriber', start };
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env);
  const kafka = new Kafka({ clientId: 'espalier-example-subscriber', brokers: options.brokers, logLevel: logLevel.WARN });
  if (options.start.from === 'time') {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await commitStartOffsets(admin, options.groupId, TOPICS_FOLLOWED, options.start.since);
    } finally {
      await admin.disconnect();
    }
  }
  const consumer = kafka.consumer({ groupId: options.groupId });
  stopOnSignals(consumer);
  consumer.on(consumer.events.GROUP_JOIN, () => log(`following ${TOPICS_FOLLOWED.join(', ')} as consumer group ${options.groupId}`));
  await consumer.connect();
  await consumer.subscribe({ topics: TOPICS_FOLLOWED, fromBeginning: options.start.from === 'beginning' });
  const seen = new RecentIds(100_000);
  // Offsets are committed after each message was handled (kafkajs autoCommit): at-least-once.
  await consumer.run({ eachMessage: (payload) => handle(payload, seen) });
}

async function handle({ topic, partition, message }: EachMessagePayload, seen: RecentIds): Promise<void> {
  // Route on the headers first: an event this subscriber does not follow is never parsed.
  const type = message.headers?.['espalier-type']?.toString();
  if (type !== undefined && !followed.has(type)) return;
  const at = { topic, partition, offset: message.offset };
  let event;
  try {
    event = decodeEvent(message);
  } catch (error) {
    // A record this subscriber cannot read (a newer version: upgrade the catalog). Logged and
    // skipped here; a real subscriber would park it in its own dead-letter store.
    if (!(error instanceof EventDecodeError)) throw error;
    log(`skipping ${topic}/${partition}@${message.offset}: ${error.message}`);
    return;
  }
  // Delivery is at-least-once: the same event can arrive twice (a producer retry, a rebalance).
  if (!seen.add(event.eventId)) return;
  const line = eventLine(event, at);
  if (line !== null) process.stdout.write(`${line}\n`);
}

/** SIGTERM/SIGINT: finish the message in flight, commit, leave the group, exit. */
function stopOnSignals(consumer: Consumer): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping`);
    consumer.disconnect().then(
      () => process.exit(0),
      (error: unknown) => fail(error),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

function log(text: string): void {
  process.stderr.write(`[subscriber] ${text}\n`);
}

function fail(error: unknown): never {
  log(`failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

main().catch(fail);
