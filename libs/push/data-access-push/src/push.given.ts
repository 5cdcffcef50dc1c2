// Test-only: the events the push projection's specs are given, as the check-in, api and push
// services write them. Not exported from index.ts.
import { randomUUID } from 'node:crypto';
import { createEvent } from '@espalier/contracts/events';
import { SecretBox } from '@espalier/shared/util-crypto';
import { uuidv7 } from '@espalier/shared/util-ids';

export const TOPIC = 'com.apple.mgmt.External.e3b8ceac-1f18-4c8e-8a63-dd17d99435d9';
const box = new SecretBox({ keyId: 'push-test', key: Buffer.alloc(32, 7) });

/** Second n after noon, 2025-06-01: every timestamp comes from the events. */
export const T = (n: number) => new Date(Date.UTC(2025, 5, 1, 12, 0, n)).toISOString();
export const D = (n: number) => new Date(T(n));
/** Every test uses its own devices and topics, so no test sees another's rows. */
export const fresh = () => randomUUID().toUpperCase();
/** A device token whose bytes name the time it was sent, so a row shows which TokenUpdate won. */
export const token = (at: number) => at.toString(16).padStart(2, '0').repeat(32);

export type On = { dev: string; enr?: string; at: number };
type Source = 'checkin' | 'push' | 'api';
const meta = (on: On, source: Source) => ({
  eventId: uuidv7(),
  occurredAt: T(on.at),
  enrollmentId: on.enr ?? on.dev,
  deviceId: on.dev,
  source,
  correlationId: 'push-test',
  causationId: null,
});

export const tokenUpdated = (on: On & { topic?: string }) => {
  const user = on.enr !== undefined && on.enr !== on.dev;
  const raw = box.seal(Buffer.from('<plist>TokenUpdate</plist>'), on.enr ?? on.dev);
  return createEvent(
    'TokenUpdated',
    {
      enrollmentType: user ? 'User' : 'Device',
      parentId: user ? on.dev : null,
      pushTopic: on.topic ?? TOPIC,
      token: token(on.at),
      pushMagic: `MAGIC-${on.at}`,
      certificate: null,
      raw,
    },
    meta(on, 'checkin'),
  );
};

/** `refused` names the token the push went to (PushFailed.token); absent as in events written before it existed. */
export const pushFailed = (reason: string, on: On & { refused?: string }, status: number | null = 410) =>
  createEvent('PushFailed', { topic: TOPIC, status, reason, apnsTimestamp: null, ...(on.refused ? { token: on.refused } : {}) }, meta(on, 'push'));

export const pushSent = (on: On) => createEvent('PushSent', { topic: TOPIC, apnsId: fresh() }, meta(on, 'push'));

/** The PEM names its upload time, so a row shows which upload won. */
export const certUploaded = (topic: string, at: number) =>
  createEvent(
    'PushCertUploaded',
    {
      topic,
      certificatePem: `-----BEGIN CERTIFICATE-----\nUPLOADED-${at}\n-----END CERTIFICATE-----\n`,
      privateKey: box.seal(Buffer.from(`key-${at}`), topic),
      notAfter: T(1000 + at),
    },
    { ...meta({ dev: '-', at }, 'api'), enrollmentId: null, deviceId: null },
  );
