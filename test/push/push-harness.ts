import { randomBytes, randomUUID, X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEvent, decodeEvent, encodeEvent, TOPICS, type EventOf } from '@espalier/contracts/events';
import { uuidv7 } from '@espalier/shared/util-ids';
import { issuePushCertificate, startFakeApns, waitUntil, type FakeApns, type FakeApnsRequest, type PushCertificate } from '@espalier/shared/util-testing';
import { EventCollector } from '../checkin/checkin-harness';
import { openCommandsHarness, type CommandsHarness } from '../commands/commands-harness';
import type { ServiceProcess } from '../services/service-process';

export type Outcome = EventOf<'PushSent'> | EventOf<'PushFailed'>;

/** Push data of one enrollment, as its TokenUpdate brought it. */
export interface Target {
  readonly enrollmentId: string;
  readonly deviceId: string;
  readonly topic: string;
  readonly token: string;
  readonly pushMagic: string;
}

export interface PushHarness extends CommandsHarness {
  readonly apns: FakeApns;
  /** mdm.push from the harness's start. */
  readonly pushEvents: EventCollector;
  push: ServiceProcess;
  /** What api does on PUT /v1/pushcert: append PushCertUploaded with the key sealed (aad: the topic). */
  uploadCertificate(topic: string): Promise<PushCertificate & { fingerprint: string }>;
  /** What checkin does on a TokenUpdate: append TokenUpdated for a new (or the given) enrollment. */
  tokenUpdate(topic: string, target?: Partial<Target>): Promise<Target>;
  /** Many new device enrollments of one topic, in one append. */
  tokenUpdates(topic: string, count: number): Promise<Target[]>;
  /** What api does on /v1/push: append PushRequested; returns its event ID. */
  requestPush(enrollmentIds: readonly string[]): Promise<string>;
  /** What commands does when it queues a command: append CommandQueued events in one append; returns their IDs. */
  queueCommands(target: Target, count: number, options?: { noPush?: boolean }): Promise<string[]>;
  /** PushSent / PushFailed events caused by this trigger. */
  outcomes(causationId: string): Outcome[];
  waitOutcomes(causationId: string, count: number, timeoutMs?: number): Promise<Outcome[]>;
  /** Requests the fake APNs received for this token. */
  pushesTo(token: string): FakeApnsRequest[];
  restartPush(signal?: 'SIGTERM' | 'SIGKILL', env?: Record<string, string>): Promise<ServiceProcess>;
}

/**
 * Checkin and commands (as in the commands harness), a fake APNs whose CA the
 * push service trusts through NODE_EXTRA_CA_CERTS (as an operator would for
 * a test double), and the push service pointed at it.
 */
export async function openPushHarness(pushEnv: Record<string, string> = {}): Promise<PushHarness> {
  const base = await openCommandsHarness();
  const apns = await startFakeApns();
  const caFile = path.join(mkdtempSync(path.join(tmpdir(), 'espalier-apns-')), 'apns-ca.pem');
  writeFileSync(caFile, apns.ca);
  const env = { ESPALIER_APNS_URL: apns.url, NODE_EXTRA_CA_CERTS: caFile, ...pushEnv };
  const pushEvents = new EventCollector(base.log, TOPICS.push);
  await pushEvents.start();
  const meta = <E extends string | null, D extends string | null>(enrollmentId: E, deviceId: D, source: 'checkin' | 'api' | 'commands') => ({
    eventId: uuidv7(), occurredAt: new Date().toISOString(), enrollmentId, deviceId, source, correlationId: uuidv7(), causationId: null,
  });
  const append = async (events: Parameters<typeof encodeEvent>[0][]) => void (await base.log.appender.append(events.map((e) => encodeEvent(e))));
  const decoded = () => pushEvents.records.map((r) => decodeEvent({ value: r.value, headers: r.headers }));
  const tokenUpdated = (topic: string, target: Partial<Target> = {}) => {
    const deviceId = target.deviceId ?? randomUUID().toUpperCase();
    const t: Target = {
      enrollmentId: target.enrollmentId ?? deviceId, deviceId, topic,
      token: target.token ?? randomBytes(32).toString('hex'), pushMagic: target.pushMagic ?? randomUUID().toUpperCase(),
    };
    const user = t.enrollmentId !== deviceId;
    const data = {
      enrollmentType: user ? ('User' as const) : ('Device' as const), parentId: user ? deviceId : null,
      pushTopic: topic, token: t.token, pushMagic: t.pushMagic, certificate: null,
      raw: base.box.seal(Buffer.from('<plist>TokenUpdate</plist>'), t.enrollmentId),
    };
    return [t, createEvent('TokenUpdated', data, meta(t.enrollmentId, deviceId, 'checkin'))] as const;
  };
  const h: PushHarness = Object.assign(base, {
    apns,
    pushEvents,
    push: await base.startService('push', env),
    async uploadCertificate(topic: string) {
      const cert = issuePushCertificate({ topic });
      const notAfter = new Date(new X509Certificate(cert.certPem).validTo).toISOString();
      const privateKey = base.box.seal(Buffer.from(cert.keyPem), topic);
      await append([createEvent('PushCertUploaded', { topic, certificatePem: cert.certPem, privateKey, notAfter }, meta(null, null, 'api'))]);
      return { ...cert, fingerprint: new X509Certificate(cert.certPem).fingerprint256 };
    },
    async tokenUpdate(topic: string, target: Partial<Target> = {}) {
      const [t, event] = tokenUpdated(topic, target);
      await append([event]);
      return t;
    },
    async tokenUpdates(topic: string, count: number) {
      const made = Array.from({ length: count }, () => tokenUpdated(topic));
      await append(made.map(([, event]) => event));
      return made.map(([t]) => t);
    },
    async requestPush(enrollmentIds: readonly string[]) {
      const event = createEvent('PushRequested', { enrollmentIds: [...enrollmentIds] }, meta(null, null, 'api'));
      await append([event]);
      return event.eventId;
    },
    async queueCommands(target: Target, count: number, options: { noPush?: boolean } = {}) {
      const events = Array.from({ length: count }, () =>
        createEvent('CommandQueued', { commandUuid: randomUUID().toUpperCase(), requestType: 'DeviceInformation', noPush: options.noPush ?? false },
          meta(target.enrollmentId, target.deviceId, 'commands')),
      );
      await append(events);
      return events.map((e) => e.eventId);
    },
    outcomes: (causationId: string) =>
      decoded().filter((e): e is Outcome => (e.type === 'PushSent' || e.type === 'PushFailed') && e.causationId === causationId),
    async waitOutcomes(causationId: string, count: number, timeoutMs = 30_000) {
      await waitUntil(`${count} push outcomes of ${causationId}`, () => h.outcomes(causationId).length >= count, timeoutMs, 20);
      return h.outcomes(causationId);
    },
    pushesTo: (token: string) => apns.requests.filter((r) => r.deviceToken === token),
    async restartPush(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM', restartEnv: Record<string, string> = {}) {
      h.push.child.kill(signal);
      await h.push.exited;
      h.push = await base.startService('push', { ...env, ...restartEnv });
      return h.push;
    },
  });
  const close = base.close.bind(base);
  h.close = async () => {
    await pushEvents.stop();
    await close();
    await apns.close();
  };
  return h;
}
