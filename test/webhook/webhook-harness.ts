import http from 'node:http';
import type { Pool } from 'pg';
import { ident, migrateService, withTransaction } from '@espalier/shared/data-access-postgres';
import { freePort, testInfra, waitUntil } from '@espalier/shared/util-testing';
import { WEBHOOK_CHECKPOINT, WEBHOOK_SCHEMA, WEBHOOK_SOURCE_TOPICS } from '@espalier/webhook/feature';
import type { KafkaEventLog } from '@espalier/shared/data-access-kafka';
import { webhookSchema } from '../../apps/webhook/src/webhook.schema';
import { startService, waitForStatus, type ServiceProcess } from '../services/service-process';

/** One POST as the receiver got it. */
export interface Delivery {
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly json: { event_id: string; topic: string; checkin_event?: WebhookEvent; acknowledge_event?: WebhookEvent & { status: string } };
}

interface WebhookEvent {
  readonly ids: { id: string; parent_id?: string; type: string };
  readonly udid?: string;
  readonly token_update_tally?: number;
}

/** The check-in or acknowledge event a webhook is about. */
export function bodyOf(d: Delivery): WebhookEvent | undefined {
  return d.json.checkin_event ?? d.json.acknowledge_event;
}

/**
 * A local webhook receiver that can be up (200), refuse connections (the
 * port closed) or answer 503, and can refuse the bodies of chosen devices.
 */
export class WebhookReceiver {
  readonly deliveries: Delivery[] = [];
  /** Bodies mentioning one of these strings get 503. */
  readonly refused = new Set<string>();
  private server: http.Server | null = null;
  private unavailable = false;

  private constructor(readonly port: number) {}

  static async start(): Promise<WebhookReceiver> {
    const receiver = new WebhookReceiver(await freePort());
    await receiver.up();
    return receiver;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/webhook`;
  }

  async up(): Promise<void> {
    this.unavailable = false;
    if (this.server) return;
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const text = body.toString('utf8');
        if (this.unavailable || [...this.refused].some((s) => text.includes(s))) return void res.writeHead(503).end();
        this.deliveries.push({ headers: req.headers, body, json: JSON.parse(text) as Delivery['json'] });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  /** Connection refused from now on. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listening, but every POST gets 503. */
  answerUnavailable(): void {
    this.unavailable = true;
  }

  /** Deliveries of one device (by the body's ids), first copy of each event, in arrival order. */
  of(deviceId: string): Delivery[] {
    const seen = new Set<string>();
    return this.deliveries.filter((d) => {
      const ids = bodyOf(d)?.ids;
      if (!ids || (ids.id !== deviceId && ids.parent_id !== deviceId) || seen.has(d.json.event_id)) return false;
      seen.add(d.json.event_id);
      return true;
    });
  }

  async waitFor(deviceId: string, count: number, timeoutMs = 30_000): Promise<Delivery[]> {
    await waitUntil(`${count} webhooks of ${deviceId}`, () => this.of(deviceId).length >= count, timeoutMs, 25);
    return this.of(deviceId);
  }

  close(): Promise<void> {
    return this.down();
  }
}

/**
 * Puts the webhook consumer at the log's end, as if the bridge had been
 * running all along: the shared test log holds every earlier run's events,
 * which a first start would read for the tallies and earlier runs'
 * leftovers (in the log or still in the outbox) would be posted to this
 * run's receiver. Test devices are new,
 * so their tallies start at zero either way.
 */
export async function positionWebhookAtLogEnd(pool: Pool, log: KafkaEventLog): Promise<void> {
  await migrateService(pool, webhookSchema);
  const s = ident(WEBHOOK_SCHEMA);
  for (const topic of WEBHOOK_SOURCE_TOPICS) {
    const ends = await log.endOffsets(topic);
    await withTransaction(pool, async (tx) => {
      await tx.query(`DELETE FROM ${s}.delivery_start WHERE topic = $1`, [topic]);
      await tx.query(`DELETE FROM ${s}.outbox WHERE topic = $1`, [topic]);
      await tx.query(`DELETE FROM ${s}.projection_checkpoints WHERE projection = $1 AND topic = $2`, [WEBHOOK_CHECKPOINT, topic]);
      for (const end of ends) {
        await tx.query(`INSERT INTO ${s}.delivery_start (topic, partition, from_offset) VALUES ($1, $2, $3)`, [topic, end.partition, end.high]);
        await tx.query(`INSERT INTO ${s}.projection_checkpoints (projection, topic, partition, "offset") VALUES ($1, $2, $3, $4)`, [
          WEBHOOK_CHECKPOINT, topic, end.partition, (BigInt(end.high) - 1n).toString(),
        ]);
      }
    });
  }
}

/** The webhook service as its own process, with the harness's broker, database and secret key. */
export async function startWebhookService(secretKey: Buffer, env: Record<string, string>): Promise<ServiceProcess> {
  const infra = testInfra();
  const svc = await startService('webhook', {
    KAFKA_BROKERS: infra.kafkaBrokers.join(','),
    DATABASE_URL: infra.databaseUrl,
    ESPALIER_SECRET_KEY: secretKey.toString('base64'),
    ESPALIER_SECRET_KEY_ID: 'test',
    ...env,
  });
  await waitForStatus(svc, '/readyz', 200);
  return svc;
}

export async function stopService(svc: ServiceProcess): Promise<void> {
  if (svc.child.exitCode === null && svc.child.signalCode === null) svc.child.kill('SIGTERM');
  await svc.exited;
}
