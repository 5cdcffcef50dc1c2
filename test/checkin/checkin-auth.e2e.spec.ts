import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EventOf } from '@espalier/contracts/events';
import { certHash } from '@espalier/mdm/device-auth';
import {
  checkinBody,
  createTestCa,
  FIXTURE_TOPIC,
  issueDeviceIdentity,
  macosAuthenticate,
  macosTokenUpdate,
  signMdmBody,
  SimulatedDevice,
  writePlist,
  type CheckinOptions,
  type DeviceResponse,
  type IssueDeviceIdentityOptions,
} from '@espalier/shared/util-testing';
import type { ServiceProcess } from '../services/service-process';
import {
  appendMigratedEnrollment,
  assertError,
  assertNoTrace,
  assertOk,
  associationsOf,
  BODY_LIMIT,
  catchUp,
  DAY,
  endOffsets,
  eventsMentioning,
  putDeclaringLength,
  snapshot,
  type Offsets,
} from './auth-helpers';
import { openCheckinHarness, uniqueIds, type CheckinHarness } from './checkin-harness';

const freshUdid = (): string => uniqueIds({ udid: 'x' }).udid as string;
const auth = (udid: string, extra?: Parameters<typeof macosAuthenticate>[0]) => macosAuthenticate({ ids: { udid }, ...extra });
const tokenUpdate = (udid: string, extra?: Parameters<typeof macosTokenUpdate>[0]) => macosTokenUpdate({ ids: { udid }, ...extra });
const ago = (days: number) => new Date(Date.now() - days * DAY);
const rsa = (options: Omit<IssueDeviceIdentityOptions, 'keyType'> = {}): IssueDeviceIdentityOptions => ({ keyType: 'rsa', ...options });

describe('check-in service: device authentication, cert-auth and request validation', () => {
  let h: CheckinHarness;
  let svc: ServiceProcess;
  let retro: ServiceProcess;
  let baseline: Offsets;
  const otherCa = createTestCa({ commonName: 'Some Other Device CA' });
  before(async () => {
    h = await openCheckinHarness();
    baseline = await endOffsets(h);
    [svc, retro] = await Promise.all([h.start(), h.start({ ESPALIER_RETRO: 'true' })]);
  });
  after(() => h.close());

  /** Each case sends an Authenticate for a fresh device; it must be refused with 400 and leave no trace. */
  const refusedCertificates: [string, (udid: string) => Promise<DeviceResponse>][] = [
    ['tampered body (the signature covers other bytes)', (u) => h.device().checkin(svc.url, auth(u), { sendBody: auth(u, { serialNumber: 'TAMPERED' }) })],
    ['forged signature: names its certificate, signed with another key', (u) => h.device().checkin(svc.url, auth(u), { signing: { signerOverride: { privateKey: h.identity().privateKey } } })],
    ['signed as another identity whose certificate is not in the CMS', (u) => {
      const d = h.device();
      return d.checkin(svc.url, auth(u), { signAs: h.identity(), signing: { omitSignerCertificate: true, extraCertificates: [d.identity.certDer] } });
    }],
    ['two signers (NanoMDM wants exactly one)', (u) => h.device().checkin(svc.url, auth(u), { signing: { extraSigners: [h.identity()] } })],
    ['certificate from another CA', (u) => new SimulatedDevice(issueDeviceIdentity(otherCa, rsa())).checkin(svc.url, auth(u))],
    ['expired certificate, signing time inside its validity', (u) => h.device(rsa({ notBefore: ago(10), notAfter: ago(1) })).checkin(svc.url, auth(u), { signing: { signingTime: ago(2) } })],
    ['expired certificate, signed now', (u) => h.device(rsa({ notBefore: ago(10), notAfter: ago(1) })).checkin(svc.url, auth(u))],
    ['not-yet-valid certificate', (u) => h.device(rsa({ notBefore: ago(-1), notAfter: ago(-10) })).checkin(svc.url, auth(u), { signing: { signingTime: ago(-2) } })],
    ['serverAuth-only EKU (RSA)', (u) => h.device(rsa({ eku: 'serverAuth' })).checkin(svc.url, auth(u))],
    ['serverAuth-only EKU (ECDSA)', (u) => h.device({ keyType: 'ecdsa', eku: 'serverAuth' }).checkin(svc.url, auth(u))],
    ['missing Mdm-Signature', (u) => h.device().checkin(svc.url, auth(u), { omitSignature: true })],
    ['empty Mdm-Signature', (u) => h.device().checkin(svc.url, auth(u), { omitSignature: true, headers: { 'mdm-signature': '' } })],
    ['garbage in Mdm-Signature (not base64)', (u) => h.device().checkin(svc.url, auth(u), { omitSignature: true, headers: { 'mdm-signature': '%%% not base64 %%%' } })],
    ['base64 that is not CMS', (u) => h.device().checkin(svc.url, auth(u), { omitSignature: true, headers: { 'mdm-signature': Buffer.from('hello, world').toString('base64') } })],
    ['valid signature in URL-safe base64', (u) => {
      const d = h.device();
      const sig = signMdmBody(auth(u), d.identity).replace(/\+/g, '-').replace(/\//g, '_');
      assert.match(sig, /[-_]/, 'the signature has characters that differ in URL-safe base64');
      return d.checkin(svc.url, auth(u), { omitSignature: true, headers: { 'mdm-signature': sig } });
    }],
  ];
  for (const [name, send] of refusedCertificates) {
    it(`400 and no event: ${name}`, async () => {
      const udid = freshUdid();
      assertError(await send(udid), 400, name);
      await assertNoTrace(h, baseline, [udid]);
    });
  }

  for (const eku of ['none', 'clientAuth', 'any'] as const) {
    it(`accepts a certificate with EKU ${eku}: 200 and one event with a new association`, async () => {
      const udid = freshUdid();
      const device = h.device(rsa({ eku }));
      assertOk(await device.checkin(svc.url, auth(udid)), eku);
      const [event] = (await h.collector.waitFor(udid, 1)) as [EventOf<'EnrollmentAuthenticated'>];
      assert.deepEqual(event.data.certificate, { hash: certHash(device.identity.certDer), association: 'new' });
    });
  }

  it('refuses a certificate another device enrolled with (cert re-use): 500, no event, no association', async () => {
    const x = h.device();
    const [a, b] = [freshUdid(), freshUdid()];
    assertOk(await x.checkin(svc.url, auth(a)), 'A enrolls with X');
    const before = await snapshot(h, baseline, a);
    assertError(await x.checkin(svc.url, auth(b)), 500, 'B Authenticate signed with X');
    assertError(await x.checkin(retro.url, auth(b)), 500, 'same with -retro');
    assertError(await x.checkin(svc.url, tokenUpdate(b)), 500, 'B TokenUpdate signed with X');
    await assertNoTrace(h, baseline, [b]);
    assert.deepEqual(await snapshot(h, baseline, a), before, 'A unchanged');
    assert.deepEqual(await associationsOf(h, certHash(x.identity.certDer)), [{ device_id: a, association: 'new' }]);
  });

  it('refuses a valid but unassociated certificate until the device re-enrolls with it; the old one keeps working (SQL §8.4)', async () => {
    const x = h.device();
    const y = h.identity();
    const id = freshUdid();
    assertOk(await x.checkin(svc.url, auth(id)));
    assertOk(await x.checkin(svc.url, tokenUpdate(id)));
    const before = await snapshot(h, baseline, id);
    assertError(await x.checkin(svc.url, tokenUpdate(id), { signAs: y }), 500, 'TokenUpdate signed with Y');
    assertError(await x.checkin(retro.url, tokenUpdate(id), { signAs: y }), 500, 'with -retro: the enrollment already has an association');
    assert.deepEqual(await snapshot(h, baseline, id), before, 'no event, tally and rows unchanged');
    assertOk(await x.checkin(svc.url, auth(id), { signAs: y }), 're-enrollment with Y');
    assertOk(await x.checkin(svc.url, tokenUpdate(id), { signAs: y }), 'TokenUpdate with Y');
    assertOk(await x.checkin(svc.url, tokenUpdate(id)), 'TokenUpdate with the old X');
    const events = await h.collector.waitFor(id, 5);
    await catchUp(h, baseline);
    assert.deepEqual(
      h.collector.events(id).map((e) => [e.type, (e.data as { certificate: { association: string } }).certificate.association]),
      [['EnrollmentAuthenticated', 'new'], ['TokenUpdated', 'existing'], ['EnrollmentAuthenticated', 'new'], ['TokenUpdated', 'existing'], ['TokenUpdated', 'existing']],
      `events: ${events.length}`,
    );
    const pairs = [x.identity.certDer, y.certDer].map(async (der) => (await associationsOf(h, certHash(der))).map((r) => r.device_id));
    assert.deepEqual(await Promise.all(pairs), [[id], [id]]);
  });

  it('-retro: a migrated enrollment without association adopts its first certificate once; the default process refuses it', async () => {
    const id = freshUdid();
    await appendMigratedEnrollment(h, id);
    const z = h.device();
    const w = h.identity();
    assertError(await z.checkin(svc.url, tokenUpdate(id)), 500, 'default process: enrollment not associated');
    assert.equal((await snapshot(h, baseline, id)).events, 1, 'only the migrated Authenticate');
    assertOk(await z.checkin(retro.url, tokenUpdate(id)), '-retro adopts Z');
    const [, adopted] = (await h.collector.waitFor(id, 2)) as [unknown, EventOf<'TokenUpdated'>];
    assert.equal(adopted.type, 'TokenUpdated');
    assert.deepEqual(adopted.data.certificate, { hash: certHash(z.identity.certDer), association: 'retroactive' });
    assert.deepEqual(await associationsOf(h, certHash(z.identity.certDer)), [{ device_id: id, association: 'retroactive' }]);
    const before = await snapshot(h, baseline, id);
    assertError(await z.checkin(retro.url, tokenUpdate(id), { signAs: w }), 500, '-retro, another cert W after adoption');
    assertError(await z.checkin(svc.url, tokenUpdate(id), { signAs: w }), 500, 'default, W');
    assert.deepEqual(await snapshot(h, baseline, id), before, 'W left no trace');
    assertOk(await z.checkin(svc.url, tokenUpdate(id)), 'Z is now associated: the default process accepts it too');
    const last = (await h.collector.waitFor(id, 3))[2] as EventOf<'TokenUpdated'>;
    assert.deepEqual(last.data.certificate, { hash: certHash(z.identity.certDer), association: 'existing' });
  });

  it('-retro: a migrated enrollment cannot adopt a certificate another device holds', async () => {
    const [owner, migrated] = [freshUdid(), freshUdid()];
    const p = h.device();
    assertOk(await p.checkin(svc.url, auth(owner)));
    await appendMigratedEnrollment(h, migrated);
    const before = await snapshot(h, baseline, migrated);
    assertError(await p.checkin(retro.url, tokenUpdate(migrated)), 500, 'cert re-use');
    assert.deepEqual(await snapshot(h, baseline, migrated), before);
    assert.deepEqual(await associationsOf(h, certHash(p.identity.certDer)), [{ device_id: owner, association: 'new' }]);
  });

  /** Properly signed bodies that must not decode: 400, nothing recorded. */
  const badBodies: [string, (udid: string) => Buffer][] = [
    ['XML garbage (unterminated plist)', (u) => Buffer.from(`<?xml version="1.0"?><plist version="1.0"><dict><key>MessageType</key><string>Authenticate</string><key>UDID</key><string>${u}</string>`)],
    ['not a plist at all', (u) => Buffer.from(`MessageType=Authenticate&UDID=${u}`)],
    ['truncated binary plist', (u) => { const b = auth(u, { binary: true }); return b.subarray(0, b.length - 12); }],
    ['top level is an array', (u) => writePlist([{ MessageType: 'Authenticate', UDID: u, Topic: FIXTURE_TOPIC }])],
    ['Token as a string', (u) => tokenUpdate(u, { extra: { Token: 'deadbeef' } })],
    ['Topic as an integer', (u) => auth(u, { extra: { Topic: 42 } })],
    ['Topic as an integer, binary plist', (u) => auth(u, { binary: true, extra: { Topic: 42 } })],
    ['UDID as data', (u) => auth(u, { extra: { UDID: Buffer.from(u), SerialNumber: u } })],
    ['unknown MessageType', (u) => checkinBody('Enroll', { udid: u }, { Topic: FIXTURE_TOPIC })],
    ['MessageType in the wrong case', (u) => checkinBody('authenticate', { udid: u }, { Topic: FIXTURE_TOPIC })],
    ['missing MessageType', (u) => checkinBody(undefined, { udid: u }, { Topic: FIXTURE_TOPIC })],
    ['MessageType as an integer', (u) => checkinBody(undefined, { udid: u }, { MessageType: 1, Topic: FIXTURE_TOPIC })],
    ['otherwise invalid body of exactly the size limit (not 413)', (u) => padTo(auth(u, { extra: { Topic: 42 } }), BODY_LIMIT)],
  ];
  for (const [name, body] of badBodies) {
    it(`400 and no event: ${name}`, async () => {
      const udid = freshUdid();
      const bytes = body(udid);
      assertError(await h.device().checkin(svc.url, bytes), 400, name);
      await assertNoTrace(h, baseline, [udid]);
      assert.deepEqual(eventsMentioning(h, udid), []);
    });
  }

  for (const [name, ids] of [
    ['neither UDID nor EnrollmentID', {}],
    ['empty UDID and EnrollmentID', { udid: '', enrollmentId: '' }],
  ] as const) {
    it(`500 and no event: ${name}`, async () => {
      const marker = freshUdid();
      assertError(await h.device().checkin(svc.url, checkinBody('Authenticate', ids, { Topic: FIXTURE_TOPIC, SerialNumber: marker })), 500, name);
      await catchUp(h, baseline);
      assert.deepEqual(eventsMentioning(h, marker), []);
    });
  }

  it('413 for a signed body of limit + 1 bytes that would otherwise be valid', async () => {
    const udid = freshUdid();
    assertError(await h.device().checkin(svc.url, padTo(auth(udid), BODY_LIMIT + 1)), 413, 'limit + 1');
    await assertNoTrace(h, baseline, [udid]);
  });

  it('413 on a declared Content-Length over the limit, before the body arrives', async () => {
    const udid = freshUdid();
    const d = h.device();
    const body = auth(udid);
    for (const declared of [BODY_LIMIT + 1, 2 ** 40]) {
      assertError(await putDeclaringLength(svc.url, declared, body, signMdmBody(body, d.identity)), 413, `declared ${declared}`);
    }
    await assertNoTrace(h, baseline, [udid]);
  });

  it('accepts valid signed check-ins up to the body limit (900 kB and 10 MiB): 200 and one event with the exact bytes', async () => {
    for (const size of [900_000, BODY_LIMIT]) {
      const udid = freshUdid();
      const body = padTo(auth(udid), size);
      assertOk(await h.device().checkin(svc.url, body), `${size}-byte Authenticate`);
      const [event] = await h.collector.waitFor(udid, 1);
      assert.ok(event.type === 'EnrollmentAuthenticated' && Buffer.from(event.data.raw, 'base64').equals(body));
    }
  });

  /** Positive controls: Authenticate + TokenUpdate with each accepted signature shape. */
  const accepted: [string, IssueDeviceIdentityOptions, CheckinOptions['signing']][] = [
    ['ECDSA P-256', { keyType: 'ecdsa' }, {}],
    ['ECDSA P-384, SHA-384', { keyType: 'ecdsa', curve: 'P-384' }, { digest: 'sha384' }],
    ['ECDSA, SHA-1', { keyType: 'ecdsa' }, { digest: 'sha1' }],
    ['RSA, SHA-1', rsa(), { digest: 'sha1' }],
    ['ECDSA, no signed attributes', { keyType: 'ecdsa' }, { signedAttributes: false }],
    ['RSA, no signed attributes', rsa(), { signedAttributes: false }],
    ['RSA, SHA-512, signer named by subject key identifier', rsa(), { digest: 'sha512', signerIdentifier: 'subjectKeyIdentifier' }],
  ];
  for (const [name, identity, signing] of accepted) {
    it(`accepts ${name}: Authenticate + TokenUpdate 200, events carry the certificate`, async () => {
      const udid = freshUdid();
      const device = h.device(identity);
      assertOk(await device.checkin(svc.url, auth(udid), { signing }), 'Authenticate');
      assertOk(await device.checkin(svc.url, tokenUpdate(udid), { signing }), 'TokenUpdate');
      const hash = certHash(device.identity.certDer);
      const events = (await h.collector.waitFor(udid, 2)).map((e) => [e.type, (e.data as { certificate: unknown }).certificate]);
      assert.deepEqual(events, [['EnrollmentAuthenticated', { hash, association: 'new' }], ['TokenUpdated', { hash, association: 'existing' }]]);
      assert.equal((await snapshot(h, baseline, udid)).tally, 1);
    });
  }
});

/** Appends spaces so the body is exactly `size` bytes: whitespace after the root element keeps the XML well-formed. */
function padTo(body: Buffer, size: number): Buffer {
  assert.ok(body.length <= size);
  return Buffer.concat([body, Buffer.alloc(size - body.length, 0x20)]);
}
