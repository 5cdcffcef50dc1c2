import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import type { ConsumedRecord } from '@espalier/contracts/event-log';
import { dlqTopicOf, TOPICS, type EspalierEvent } from '@espalier/contracts/events';
import { checkOut, idleReport, macosAuthenticate, macosTokenUpdate, macosUserTokenUpdate, waitUntil, type SimulatedDevice } from '@espalier/shared/util-testing';
import { ident } from '@espalier/shared/data-access-postgres';
import { goRfc3339NanoUtc, WEBHOOK_EVENT_TYPES } from '@espalier/webhook/domain';
import { WEBHOOK_SCHEMA } from '@espalier/webhook/feature';
import { EventCollector } from '../checkin/checkin-harness';
import { openCommandsHarness, type CommandsHarness } from '../commands/commands-harness';
import type { ServiceProcess } from '../services/service-process';
import { bodyOf, positionWebhookAtLogEnd, startWebhookService, stopService, WebhookReceiver } from './webhook-harness';

const HMAC_KEY = 'webhook-test-key';
const UNLOCK_TOKEN = Buffer.from('an unlock token: a keybag that must never be stored in clear outside the log');
/** Fast retries for the test; the defaults (1 s to 5 min) are for real receivers. */
const FAST = { ESPALIER_WEBHOOK_BACKOFF_MIN: '50ms', ESPALIER_WEBHOOK_BACKOFF_MAX: '400ms', ESPALIER_WEBHOOK_TIMEOUT: '2s' };

/**
 * The webhook bridge end to end: checkin and commands as processes take the
 * devices' requests, the webhook service (its own process and consumer
 * group) posts to a local receiver. Expected bodies are written here from
 * the bytes each device sent and the event's ID and time in the log.
 */
describe('webhook service: MicroMDM-compatible webhooks from the log', () => {
  let h: CommandsHarness;
  let receiver: WebhookReceiver;
  let webhook: ServiceProcess;
  let enrollmentDlq: EventCollector;
  let webhookEnv: Record<string, string>;

  before(async () => {
    h = await openCommandsHarness();
    receiver = await WebhookReceiver.start();
    enrollmentDlq = new EventCollector(h.log, dlqTopicOf(TOPICS.enrollment));
    await enrollmentDlq.start();
    await positionWebhookAtLogEnd(h.pool, h.log);
    webhookEnv = { ESPALIER_WEBHOOK_URL: receiver.url, ESPALIER_WEBHOOK_HMAC_KEY: HMAC_KEY, ...FAST };
    webhook = await startWebhookService(h.secretKey, { ...webhookEnv, ESPALIER_WEBHOOK_MAX_ATTEMPTS: '100000' });
  });

  after(async () => {
    await stopService(webhook);
    await enrollmentDlq.stop();
    await h.close();
    await receiver.close();
  });

  /** The device's events in the log that are webhooks, per topic, in log order (once the collectors read `count` of them). */
  async function logged(udid: string, count: number): Promise<{ enrollment: EspalierEvent[]; command: EspalierEvent[] }> {
    const pick = (events: EspalierEvent[]) => events.filter((e) => WEBHOOK_EVENT_TYPES.has(e.type) && e.deviceId === udid);
    const read = () => ({ enrollment: pick(h.collector.events(udid)), command: pick(h.commandEvents.events(udid)) });
    await waitUntil(`${count} events of ${udid} in the log`, () => read().enrollment.length + read().command.length >= count, 20_000, 25);
    return read();
  }

  async function send(device: SimulatedDevice, kind: 'checkin' | 'report', body: Buffer): Promise<number> {
    const started = performance.now();
    const res = kind === 'checkin' ? await device.checkin(h.checkin.url, body) : await device.report(h.commands.url, body);
    assert.equal(res.status, 200, `${kind} answered ${res.status}`);
    return performance.now() - started;
  }

  it('posts byte-exact bodies (ids, udid, tally, created_at, event_id) signed with X-Hmac-Signature', async () => {
    const device = h.device();
    const udid = randomUUID().toUpperCase();
    const user = randomUUID().toUpperCase();
    const sent: [kind: 'checkin' | 'report', body: Buffer][] = [
      ['checkin', macosAuthenticate({ ids: { udid } })],
      ['checkin', macosTokenUpdate({ ids: { udid } })],
      ['checkin', macosUserTokenUpdate({ ids: { udid, userId: user, userShortName: 'alice', userLongName: 'Alice' } })],
      ['checkin', macosTokenUpdate({ ids: { udid } })],
      ['report', idleReport({ ids: { udid } })],
    ];
    for (const [kind, body] of sent) await send(device, kind, body);
    const got = await receiver.waitFor(udid, sent.length);
    const { enrollment, command } = await logged(udid, sent.length);
    const events = [...enrollment, ...command];
    assert.equal(events.length, sent.length);
    const b64 = (i: number) => sent[i][1].toString('base64');
    const tail = (e: EspalierEvent, topic: string) => `"created_at":"${goRfc3339NanoUtc(e.occurredAt)}","event_id":"${e.eventId}","topic":"${topic}"}`;
    const device_ = `"ids":{"id":"${udid}","type":"Device"}`;
    const expected = [
      `{"checkin_event":{${device_},"raw_payload":"${b64(0)}","udid":"${udid}"},${tail(events[0], 'mdm.Authenticate')}`,
      `{"checkin_event":{${device_},"raw_payload":"${b64(1)}","token_update_tally":1,"udid":"${udid}"},${tail(events[1], 'mdm.TokenUpdate')}`,
      `{"checkin_event":{"ids":{"id":"${udid}:${user}","parent_id":"${udid}","type":"User"},"raw_payload":"${b64(2)}","token_update_tally":1,"udid":"${udid}"},${tail(events[2], 'mdm.TokenUpdate')}`,
      `{"checkin_event":{${device_},"raw_payload":"${b64(3)}","token_update_tally":2,"udid":"${udid}"},${tail(events[3], 'mdm.TokenUpdate')}`,
      `{"acknowledge_event":{${device_},"raw_payload":"${b64(4)}","status":"Idle","udid":"${udid}"},${tail(events[4], 'mdm.Connect')}`,
    ];
    // Receiver up, no backlog: the report (mdm.command) still comes after the check-ins sent before it.
    assert.deepEqual(got.map((d) => d.json.event_id), events.map((e) => e.eventId), 'in request order');
    const byEventId = new Map(got.map((d) => [d.json.event_id, d]));
    events.forEach((event, i) => {
      const delivery = byEventId.get(event.eventId);
      assert.ok(delivery, `no webhook for ${event.type} ${event.eventId}`);
      assert.equal(delivery.body.toString('utf8'), expected[i], event.type);
      assert.equal(delivery.headers['content-type'], 'application/json; charset=utf-8');
      assert.equal(delivery.headers['x-hmac-signature'], createHmac('sha256', HMAC_KEY).update(delivery.body).digest('base64'));
    });
  });

  it('receiver down for a while (and the service restarted meanwhile): device requests stay fast, then every event arrives once, per device in request order across check-ins and reports', async (t) => {
    const devices = Array.from({ length: 4 }, () => ({ device: h.device(), udid: randomUUID().toUpperCase() }));
    await receiver.down();
    const latencies: number[] = [];
    const downSince = Date.now();
    // Each device alternates check-ins (mdm.enrollment) and reports (mdm.command): one request at a time, as a device does.
    const plan = (udid: string): [kind: 'checkin' | 'report', body: Buffer][] => {
      const ids = { ids: { udid } };
      const steps: [kind: 'checkin' | 'report', body: Buffer][] = [['checkin', macosAuthenticate(ids)]];
      for (let i = 0; i < 4; i++) steps.push(['checkin', macosTokenUpdate({ ...ids, unlockToken: UNLOCK_TOKEN })], ['report', idleReport(ids)]);
      steps.push(['checkin', checkOut(ids)]);
      return steps;
    };
    const sent = new Map(devices.map(({ udid }) => [udid, plan(udid)]));
    await Promise.all(devices.map(async ({ device, udid }) => {
      for (const [kind, body] of sent.get(udid) ?? []) latencies.push(await send(device, kind, body));
    }));
    const count = sent.get(devices[0].udid)?.length ?? 0;
    // Half of the time refused connections, half 503s, long enough for several failed attempts of each event.
    await new Promise((r) => setTimeout(r, Math.max(0, 2_000 - (Date.now() - downSince))));
    await receiver.up();
    receiver.answerUnavailable();
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(devices.filter(({ udid }) => receiver.of(udid).length > 0).length, 0, 'nothing is delivered while the receiver is down');
    await assertOutboxSealed(devices.map((d) => d.udid), [...sent.values()].flat().filter(([, body]) => body.includes('UnlockToken')).map(([, body]) => body));
    // A restart in the middle of the outage: the outbox keeps what is not delivered, the new process takes it up.
    await stopService(webhook);
    webhook = await startWebhookService(h.secretKey, { ...webhookEnv, ESPALIER_WEBHOOK_MAX_ATTEMPTS: '100000' });
    await receiver.up();
    const sorted = [...latencies].sort((a, b) => a - b);
    t.diagnostic(`device requests while the receiver was down: ${latencies.length}, p50 ${sorted[sorted.length >> 1].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`);
    assert.ok(sorted[sorted.length - 1] < 3_000, `a device request took ${sorted[sorted.length - 1].toFixed(0)} ms`);
    for (const { udid } of devices) {
      const got = await receiver.waitFor(udid, count, 30_000);
      const { enrollment, command } = await logged(udid, count);
      assert.equal(enrollment.length + command.length, count);
      // The device's request order, told by the log: its n-th check-in is the n-th on mdm.enrollment, its n-th report the n-th on mdm.command.
      const queues = { checkin: enrollment.map((e) => e.eventId), report: command.map((e) => e.eventId) };
      const requestOrder = (sent.get(udid) ?? []).map(([kind]) => queues[kind].shift());
      assert.deepEqual(got.map((d) => d.json.event_id), requestOrder, 'every event, in request order across check-ins and reports');
      // At-least-once allows a second copy only when a POST's outcome could not be recorded (a crash, the database lost); neither happens here.
      assert.equal(receiver.deliveries.filter((d) => bodyOf(d)?.udid === udid).length, count, 'no event delivered twice');
      const tallies = got.filter((d) => d.json.topic === 'mdm.TokenUpdate').map((d) => d.json.checkin_event?.token_update_tally);
      assert.deepEqual(tallies, [1, 2, 3, 4]);
    }
  });

  /** The outbox holds bodies sealed: neither a TokenUpdate request (its UnlockToken) nor any webhook body is readable in PostgreSQL. */
  async function assertOutboxSealed(udids: string[], secretRequests: Buffer[]): Promise<void> {
    const { rows } = await h.pool.query<{ body: string; record_value: Buffer | null }>(
      `SELECT body::text AS body, record_value FROM ${ident(WEBHOOK_SCHEMA)}.outbox WHERE device_id = ANY($1::text[])`,
      [udids],
    );
    assert.equal(rows.length, udids.length * 10, 'every webhook waits in the outbox');
    const stored = rows.map((r) => `${r.body}\n${r.record_value?.toString('utf8') ?? ''}`).join('\n');
    assert.doesNotMatch(stored, /raw_payload|checkin_event|acknowledge_event/);
    assert.match(rows[0].body, /"ciphertext"/);
    for (const request of secretRequests) assert.ok(!stored.includes(request.toString('base64')), 'a TokenUpdate request in clear');
    assert.ok(!stored.includes(UNLOCK_TOKEN.toString('base64')));
  }

  it('dead-letters an event after -webhook-max-attempts, says why, and delivery goes on', async () => {
    await stopService(webhook);
    webhook = await startWebhookService(h.secretKey, { ...webhookEnv, ESPALIER_WEBHOOK_HMAC_KEY: '', ESPALIER_WEBHOOK_MAX_ATTEMPTS: '2' });
    const poisoned = { device: h.device(), udid: randomUUID().toUpperCase() };
    const healthy = { device: h.device(), udid: randomUUID().toUpperCase() };
    receiver.refused.add(poisoned.udid);
    await send(poisoned.device, 'checkin', macosAuthenticate({ ids: { udid: poisoned.udid } }));
    await send(healthy.device, 'checkin', macosAuthenticate({ ids: { udid: healthy.udid } }));
    const [authenticated] = (await logged(poisoned.udid, 1)).enrollment;
    const dead = await waitForDlq(authenticated.eventId);
    assert.equal(dead.headers['espalier-dlq-consumer'], 'espalier.webhook');
    assert.equal(dead.headers['espalier-dlq-attempts'], '2');
    assert.equal(dead.headers['espalier-dlq-original-topic'], TOPICS.enrollment);
    assert.match(dead.headers['espalier-dlq-error'], /answered HTTP 503, 2 attempts used/);
    assert.equal(dead.key, poisoned.udid);
    // The device's next event is delivered once the receiver takes it; the healthy one never waited.
    await receiver.waitFor(healthy.udid, 1);
    receiver.refused.delete(poisoned.udid);
    await send(poisoned.device, 'report', idleReport({ ids: { udid: poisoned.udid } }));
    const got = await receiver.waitFor(poisoned.udid, 1);
    assert.equal(got[0].json.topic, 'mdm.Connect');
    assert.equal(got[0].headers['x-hmac-signature'], undefined, 'no signature without -webhook-hmac-key');
  });

  /** The dead-lettered copy of an event: its exact bytes, the reason in headers. */
  async function waitForDlq(eventId: string): Promise<ConsumedRecord> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = enrollmentDlq.records.find((r) => (JSON.parse(r.value?.toString('utf8') ?? '{}') as { eventId?: string }).eventId === eventId);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`event ${eventId} not dead-lettered`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
});
