// Test-only fixture builder: one realistic, valid payload per event type. The mapped type
// makes adding an event without a fixture a compile error.
import { SecretBox } from '@espalier/shared/util-crypto';
import { createUuidV7Generator } from '@espalier/shared/util-ids';
import type { EventMeta } from './envelope.schema';
import { createEvent, type EspalierEventType, type EventData, type EventOf } from './event-catalog';

export const DEVICE_ID = '470E005B-8CD0-4DB9-A1B3-0EBC340D432A';
export const USER_CHANNEL_ID = `${DEVICE_ID}:F151140B-0A8E-4B3B-8E7A-6C1B9F2C1D00`;
export const PUSH_TOPIC = 'com.apple.mgmt.External.e3b8ceac-1f18-4c8e-8a63-dd17d99435d9';
/** Not UTF-8 on purpose: raw bytes must survive the round trip exactly. */
export const RAW_BYTES = Buffer.from([0x3c, 0x3f, 0x78, 0x6d, 0x6c, 0x00, 0xff, 0xfe, 0x80, 0x0a]);
export const UNLOCK_TOKEN_PLAINTEXT = Buffer.from('UNLOCK-TOKEN-PLAINTEXT-MARKER');

export const secretBox = new SecretBox({ keyId: 'test-2025', key: Buffer.alloc(32, 7) });
const raw = RAW_BYTES.toString('base64');
const sealed = (text: string | Buffer) => secretBox.seal(Buffer.from(text));

export const sampleData: { readonly [T in EspalierEventType]: EventData<T> } = {
  EnrollmentAuthenticated: {
    enrollmentType: 'Device',
    udid: DEVICE_ID,
    serialNumber: 'C02XK0AAJG5H',
    model: 'MacBookPro16,1',
    productName: 'MacBookPro16,1',
    osVersion: '14.5',
    buildVersion: '23F79',
    deviceName: 'Build Mac',
    topic: PUSH_TOPIC,
    certificate: { hash: 'a'.repeat(64), association: 'new' },
    raw,
  },
  TokenUpdated: {
    enrollmentType: 'Device',
    parentId: null,
    pushTopic: PUSH_TOPIC,
    token: 'c0ffee0123456789',
    pushMagic: '5C5E1E12-8E0C-4A3A-9C4F-4DC6C9B0C0DE',
    unlockToken: sealed(UNLOCK_TOKEN_PLAINTEXT),
    awaitingConfiguration: false,
    certificate: { hash: 'a'.repeat(64), association: 'existing' },
    raw: sealed(RAW_BYTES),
  },
  EnrollmentCheckedOut: { certificate: { hash: 'a'.repeat(64), association: 'existing' }, raw },
  UserAuthenticated: { digestResponse: true, stored: true, userShortName: 'jappleseed', certificate: null, raw },
  BootstrapTokenSet: { token: sealed('bootstrap-token'), certificate: { hash: 'b'.repeat(64), association: 'retroactive' }, raw: sealed(RAW_BYTES) },
  BootstrapTokenRetrieved: { found: true, certificate: { hash: 'a'.repeat(64), association: 'existing' }, raw },
  TokenRequested: { tokenServiceType: 'com.apple.maid', certificate: { hash: 'a'.repeat(64), association: 'existing' }, raw },
  EnrollmentSeen: { messageType: 'Idle', at: '2025-06-01T12:00:00.000Z' },
  DeclarativeManagementRequested: { endpoint: 'declaration-items', certificate: { hash: 'a'.repeat(64), association: 'existing' }, raw },
  CommandSubmitted: {
    commandUuid: 'f4b1c1c2-6f4e-4a55-9b1a-2a7e0c5d9e01',
    requestType: 'DeviceInformation',
    payload: raw,
    enrollmentIds: [DEVICE_ID, USER_CHANNEL_ID],
    noPush: false,
    submittedBy: 'operator@example.com',
  },
  CommandQueued: { commandUuid: 'f4b1c1c2-6f4e-4a55-9b1a-2a7e0c5d9e01', requestType: 'DeviceInformation', noPush: false },
  CommandRejected: {
    commandUuid: 'f4b1c1c2-6f4e-4a55-9b1a-2a7e0c5d9e01',
    reason: 'duplicate-command-uuid',
    detail: 'command uuid already exists',
    enrollmentIds: [DEVICE_ID],
  },
  CommandDelivered: { commandUuid: 'f4b1c1c2-6f4e-4a55-9b1a-2a7e0c5d9e01' },
  CommandReported: {
    commandUuid: 'f4b1c1c2-6f4e-4a55-9b1a-2a7e0c5d9e01',
    status: 'Error',
    errorChain: [{ errorCode: 12021, errorDomain: 'MCMDMErrorDomain', usEnglishDescription: 'Unknown command' }],
    notNow: false,
    raw,
    certificate: { hash: 'a'.repeat(64), association: 'existing' },
  },
  QueueCleared: { enrollmentIds: [DEVICE_ID, USER_CHANNEL_ID], reason: 'authenticate' },
  PushRequested: { enrollmentIds: [DEVICE_ID] },
  PushCertUploaded: {
    topic: PUSH_TOPIC,
    certificatePem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
    privateKey: sealed('-----BEGIN RSA PRIVATE KEY-----'),
    notAfter: '2026-06-01T00:00:00Z',
  },
  PushSent: { topic: PUSH_TOPIC, apnsId: '9D8D5A0C-7C4B-4D3A-8E2F-1A2B3C4D5E6F' },
  PushFailed: { topic: PUSH_TOPIC, status: 410, reason: 'Unregistered', apnsTimestamp: 1_717_243_200_000, token: 'a1'.repeat(32) },
};

let now = Date.UTC(2025, 5, 1, 12, 0, 0);
const nextId = createUuidV7Generator({ clock: () => (now += 1) });

export function sampleMeta(overrides: Partial<EventMeta> = {}): EventMeta & { enrollmentId: string; deviceId: string } {
  return {
    eventId: nextId(),
    occurredAt: '2025-06-01T12:00:00.000Z',
    enrollmentId: DEVICE_ID,
    deviceId: DEVICE_ID,
    source: 'checkin',
    correlationId: 'req-0001',
    causationId: null,
    ...overrides,
  } as EventMeta & { enrollmentId: string; deviceId: string };
}

/** A valid current-version event of `type`, with optional data and envelope overrides. */
export function buildEvent<T extends EspalierEventType>(
  type: T,
  overrides: { data?: Partial<EventData<T>>; meta?: Partial<EventMeta> } = {},
): EventOf<T> {
  const data = { ...sampleData[type], ...overrides.data };
  return createEvent(type, data as never, sampleMeta(overrides.meta) as never);
}
