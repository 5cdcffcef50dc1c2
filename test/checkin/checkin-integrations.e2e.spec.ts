import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EspalierEvent, EventOf } from '@espalier/contracts/events';
import { DeclarativeManagementClient } from '@espalier/checkin/feature';
import {
  declarativeManagement,
  freePort,
  getBootstrapToken,
  getToken,
  macosAuthenticate,
  macosTokenUpdate,
  macosUserAuthenticate,
  setBootstrapToken,
  waitUntil,
  type DeviceResponse,
  type FixtureIds,
  type SimulatedDevice,
} from '@espalier/shared/util-testing';
import type { ServiceProcess } from '../services/service-process';
import { openCheckinHarness, uniqueIds, type CheckinHarness } from './checkin-harness';
import { dmReply, hmacBase64, startFakeUpstream, type FakeUpstream, type RecordedRequest } from './fake-upstreams';

const SEND_KEY = 'dm-send-key';
const RECV_KEY = 'dm-recv-key';
const ISE = 'Internal Server Error\n';
const DEVICE = { id: 'D', type: 'Device', deviceChannelId: 'D', parentId: null } as const;
/** §6.4, written out literally: tab indentation, "\n" between lines, no trailing newline. */
const ZERO_LENGTH_DIGEST_CHALLENGE = Buffer.from(
  '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n' +
    '<plist version="1.0">\n<dict>\n\t<key>DigestChallenge</key>\n\t<string></string>\n</dict>\n</plist>',
);

describe('check-in service: DM passthrough, GetToken, UserAuthenticate, -checkin, binary plists, -dump, auth proxy', () => {
  let h: CheckinHarness;
  let dm: FakeUpstream;
  let upstream: FakeUpstream;
  let full: ServiceProcess; // -dm (HMAC both ways), -auth-proxy-url, -dump
  let zl: ServiceProcess; // -ua-zl-dc, -checkin, -auth-proxy-url to a port nobody listens on
  let plain: ServiceProcess; // defaults
  before(async () => {
    h = await openCheckinHarness();
    [dm, upstream] = await Promise.all([startFakeUpstream(), startFakeUpstream()]);
    const deadPort = await freePort();
    [full, zl, plain] = await Promise.all([
      h.start({
        ESPALIER_DM: `${dm.url}/ddm/`,
        ESPALIER_DM_SEND_HMAC_KEY: SEND_KEY,
        ESPALIER_DM_RECV_HMAC_KEY: RECV_KEY,
        ESPALIER_AUTH_PROXY_URL: `${upstream.url}/base`,
        ESPALIER_DUMP: 'true',
      }),
      h.start({ ESPALIER_UA_ZL_DC: 'true', ESPALIER_CHECKIN: 'true', ESPALIER_AUTH_PROXY_URL: `http://127.0.0.1:${deadPort}/base` }),
      h.start(),
    ]);
  });
  after(async () => {
    await h.close();
    await Promise.all([dm.close(), upstream.close()]);
  });

  interface Enrolled {
    readonly ids: FixtureIds;
    readonly udid: string;
    readonly device: SimulatedDevice;
    /**
     * Sends a TokenUpdate as a sentinel on the same partition and waits for it: the device's events
     * before it must be exactly `types`, so a rejected request that had appended something shows.
     */
    eventsBefore(types: string[]): Promise<EspalierEvent[]>;
  }

  /** A fresh macOS device that sent Authenticate (so its certificate is associated). */
  async function enrolled(svc: ServiceProcess, path = '/mdm'): Promise<Enrolled> {
    const ids = uniqueIds({ udid: 'x', userId: 'y', userShortName: 'dave', userLongName: 'Dave D' });
    const udid = ids.udid as string;
    const device = h.device();
    const res = await device.checkin(svc.url, macosAuthenticate({ ids: { udid } }), { path });
    assert.equal(res.status, 200, res.body.toString());
    const eventsBefore = async (types: string[]) => {
      assert.equal((await device.checkin(svc.url, macosTokenUpdate({ ids: { udid } }), { path })).status, 200);
      await h.collector.waitFor(udid, types.length + 1);
      const events = h.collector.events(udid);
      assert.deepEqual(events.map((e) => e.type), [...types, 'TokenUpdated']);
      return events.slice(0, -1);
    };
    return { ids, udid, device, eventsBefore };
  }

  const users = async (id: string) =>
    (await h.pool.query<{ user_authenticate_at: Date | null; user_authenticate_digest_at: Date | null }>('SELECT * FROM checkin.users WHERE id = $1', [id])).rows;

  const dmHeaders = (r: RecordedRequest | undefined) =>
    ['x-enrollment-id', 'x-enrollment-type', 'x-enrollment-parentid', 'content-type', 'x-hmac-signature'].map((n) => r?.headers[n]);
  const dmClient = (baseUrl = `${dm.url}/ddm/`) => new DeclarativeManagementClient({ baseUrl });

  function assertError(res: DeviceResponse, status: number, body: string): void {
    assert.equal(res.status, status);
    assert.equal(res.body.toString('latin1'), body);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  }

  describe('Declarative Management (-dm with HMAC both ways)', () => {
    it('GET without Data: URL under the base, enrollment headers, HMAC of the empty body; 200 with the DM body verbatim, one event', async () => {
      const { udid, device, eventsBefore } = await enrolled(full);
      const answer = '{"Declarations":{"Activations":[],"Configurations":[]},"DeclarationsToken":"t1"}';
      dm.reply = () => dmReply(200, answer, RECV_KEY);
      dm.requests.length = 0;
      const body = declarativeManagement({ ids: { udid } });
      const res = await device.checkin(full.url, body);
      assert.equal(res.status, 200, res.body.toString());
      assert.equal(res.body.toString('latin1'), answer);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(dm.requests.length, 1);
      const [got] = dm.requests;
      assert.deepEqual([got?.method, got?.url, got?.body.length], ['GET', '/ddm/declaration-items', 0]);
      // No ParentID on a device channel, no Content-Type without Data.
      assert.deepEqual(dmHeaders(got), [udid, 'Device', undefined, undefined, hmacBase64(SEND_KEY, '')]);
      const events = await eventsBefore(['EnrollmentAuthenticated', 'DeclarativeManagementRequested']);
      const requested = events[1] as EventOf<'DeclarativeManagementRequested'>;
      assert.equal(requested.enrollmentId, udid);
      assert.equal(requested.data.endpoint, 'declaration-items');
      assert.deepEqual(Buffer.from(requested.data.raw, 'base64'), body);
    });

    it('PUT with Data on a user channel: exact Data bytes as application/json, ParentID, HMAC of the Data', async () => {
      const { ids, udid, device, eventsBefore } = await enrolled(full);
      const data = Buffer.from('{"StatusItems":{"management":{"client-capabilities":{"supported-versions":["1.0"]}}},"Errors":[]}');
      dm.reply = () => dmReply(200, '', RECV_KEY);
      dm.requests.length = 0;
      const res = await device.checkin(full.url, declarativeManagement({ ids, endpoint: 'status', data }));
      assert.deepEqual([res.status, res.body.length, res.headers.get('content-type')], [200, 0, null], 'empty DM body: empty 200, no Content-Type');
      const [got] = dm.requests;
      assert.deepEqual([got?.method, got?.url], ['PUT', '/ddm/status']);
      assert.deepEqual(got?.body, data);
      assert.deepEqual(dmHeaders(got), [`${udid}:${ids.userId}`, 'User', udid, 'application/json', hmacBase64(SEND_KEY, data)]);
      const events = await eventsBefore(['EnrollmentAuthenticated', 'DeclarativeManagementRequested']);
      assert.equal(events[1]?.enrollmentId, `${udid}:${ids.userId}`);
    });

    it('a DM response with a missing or wrongly keyed HMAC → 500 "Internal Server Error\\n" only, no event', async () => {
      const { udid, device, eventsBefore } = await enrolled(full);
      for (const key of [null, 'not-the-receive-key']) {
        dm.reply = () => dmReply(200, '{"secret":"must not reach the device"}', key);
        assertError(await device.checkin(full.url, declarativeManagement({ ids: { udid } })), 500, ISE);
      }
      await eventsBefore(['EnrollmentAuthenticated']);
    });

    it('a DM non-200 → 500 with "Internal Server Error\\n" followed by the DM body, no event', async () => {
      const { udid, device, eventsBefore } = await enrolled(full);
      dm.reply = () => dmReply(404, '{"reason":"no such declaration"}', RECV_KEY);
      const res = await device.checkin(full.url, declarativeManagement({ ids: { udid }, endpoint: 'declaration/configuration/x' }));
      assertError(res, 500, `${ISE}{"reason":"no such declaration"}`);
      await eventsBefore(['EnrollmentAuthenticated']);
    });

    it('resolves the Endpoint against the base as RFC 3986 (without a trailing slash the last segment is replaced)', async () => {
      dm.reply = () => ({ status: 200, body: 'ok' });
      dm.requests.length = 0;
      for (const base of [`${dm.url}/ddm/`, `${dm.url}/ddm`, `${dm.url}/a/b/ddm`]) {
        assert.deepEqual(await dmClient(base).forward(DEVICE, 'status', undefined), { ok: true, body: Buffer.from('ok') });
      }
      assert.deepEqual(dm.requests.map((r) => r.url), ['/ddm/status', '/status', '/a/b/status']);
      // Empty Data is no Data (GET); an unreachable DM server is a failure with nothing to append.
      assert.deepEqual(await dmClient().forward(DEVICE, 'x', Buffer.alloc(0)), { ok: true, body: Buffer.from('ok') });
      assert.equal(dm.requests.at(-1)?.method, 'GET');
      const down = await dmClient(`http://127.0.0.1:${await freePort()}/ddm/`).forward(DEVICE, 'x', undefined);
      assert.deepEqual([down.ok, 'body' in down ? down.body : undefined], [false, undefined]);
    });

    it('an Endpoint Go cannot parse ("%zz") fails without calling the DM server (§11.1 → 500)', async () => {
      dm.requests.length = 0;
      assert.equal((await dmClient().forward(DEVICE, 'declaration/configuration/a%zz', undefined)).ok, false);
      assert.equal(dm.requests.length, 0);
    });

    it('a backslash in the Endpoint is escaped as Go does (/ddm/a%5Cb), not turned into a path separator', async () => {
      dm.reply = () => ({ status: 200, body: 'ok' });
      dm.requests.length = 0;
      await dmClient().forward(DEVICE, 'a\\b', undefined);
      assert.equal(dm.requests[0]?.url, '/ddm/a%5Cb');
    });

    it('without -dm a DeclarativeManagement check-in is a 500 with no event', async () => {
      const { udid, device, eventsBefore } = await enrolled(plain);
      assertError(await device.checkin(plain.url, declarativeManagement({ ids: { udid } })), 500, ISE);
      await eventsBefore(['EnrollmentAuthenticated']);
    });
  });

  describe('-dump', () => {
    it('writes the raw body of a check-in to stdout', async () => {
      const ids = uniqueIds({ udid: 'x' });
      const body = macosAuthenticate({ ids, serialNumber: `DUMP${Date.now()}` });
      assert.equal((await h.device().checkin(full.url, body)).status, 200);
      await waitUntil('raw body on stdout', () => full.output().includes(body.toString('utf8')), 5_000, 25);
    });

    it('also writes the DM request Data and "Bootstrap token: <base64>\\n" (§11.6)', async () => {
      const { udid, device } = await enrolled(full);
      const data = Buffer.from(`{"StatusItems":{},"Errors":[],"Marker":"dm-dump-${Date.now()}"}`);
      const token = Buffer.from(`escrowed-${Date.now()}`);
      dm.reply = () => dmReply(200, '', RECV_KEY);
      assert.equal((await device.checkin(full.url, declarativeManagement({ ids: { udid }, endpoint: 'status', data }))).status, 200);
      assert.equal((await device.checkin(full.url, setBootstrapToken({ ids: { udid }, bootstrapToken: token }))).status, 200);
      assert.equal((await device.checkin(full.url, getBootstrapToken({ ids: { udid } }))).status, 200);
      await new Promise((r) => setTimeout(r, 300));
      const expected = [data.toString(), `Bootstrap token: ${token.toString('base64')}\n`];
      assert.deepEqual(expected.filter((line) => !full.output().includes(line)), [], 'missing from stdout');
    });
  });

  describe('GetToken (no handler registered, as the stock binary)', () => {
    it('valid (no handler) or invalid (empty TokenServiceType; watch pairing without TokenParameters) → 500, no event', async () => {
      const { udid, device, eventsBefore } = await enrolled(plain);
      for (const body of [getToken({ ids: { udid } }), getToken({ ids: { udid }, tokenServiceType: '' }), getToken({ ids: { udid }, tokenParameters: null })]) {
        assertError(await device.checkin(plain.url, body), 500, ISE);
      }
      await eventsBefore(['EnrollmentAuthenticated']);
    });
  });

  describe('UserAuthenticate', () => {
    it('default: without DigestResponse → 410 "Gone\\n" and no event; with one → 200 empty, an event, nothing stored', async () => {
      const { ids, udid, device, eventsBefore } = await enrolled(plain);
      assertError(await device.checkin(plain.url, macosUserAuthenticate({ ids })), 410, 'Gone\n');
      const second = macosUserAuthenticate({ ids, digestResponse: 'opaque-digest-response' });
      const res = await device.checkin(plain.url, second);
      assert.deepEqual([res.status, res.body.length, res.headers.get('content-type')], [200, 0, null]);
      const [, ua] = (await eventsBefore(['EnrollmentAuthenticated', 'UserAuthenticated'])) as [EspalierEvent, EventOf<'UserAuthenticated'>];
      assert.equal(ua.enrollmentId, `${udid}:${ids.userId}`);
      assert.deepEqual([ua.data.digestResponse, ua.data.stored], [true, false]);
      assert.deepEqual(Buffer.from(ua.data.raw, 'base64'), second);
      assert.deepEqual((await users(`${udid}:${ids.userId}`)).length, 0, 'the default mode stores nothing (§6.4)');
    });

    it('-ua-zl-dc: first → 200 with the exact zero-length DigestChallenge, second → 200 empty, both recorded', async () => {
      const { ids, udid, device, eventsBefore } = await enrolled(zl, '/checkin');
      const first = await device.checkin(zl.url, macosUserAuthenticate({ ids }), { path: '/checkin' });
      assert.equal(first.status, 200, first.body.toString());
      assert.equal(first.body.toString('latin1'), ZERO_LENGTH_DIGEST_CHALLENGE.toString('latin1'));
      assert.equal(first.headers.get('content-type'), 'text/xml; charset=utf-8');
      const second = await device.checkin(zl.url, macosUserAuthenticate({ ids, digestResponse: 'x' }), { path: '/checkin' });
      assert.deepEqual([second.status, second.body.length, second.headers.get('content-type')], [200, 0, null]);
      const events = await eventsBefore(['EnrollmentAuthenticated', 'UserAuthenticated', 'UserAuthenticated']);
      assert.deepEqual(events.slice(1).map((e) => [(e as EventOf<'UserAuthenticated'>).data.digestResponse, (e as EventOf<'UserAuthenticated'>).data.stored]), [[false, true], [true, true]]);
      const [row] = await users(`${udid}:${ids.userId}`);
      assert.ok(row?.user_authenticate_at && row.user_authenticate_digest_at, 'both messages stored');
    });
  });

  describe('-checkin and binary plists', () => {
    it('with -checkin: /checkin serves check-ins, a check-in on /mdm is refused with 400 and no event', async () => {
      const { udid, device, eventsBefore } = await enrolled(zl, '/checkin');
      const res = await device.checkin(zl.url, macosTokenUpdate({ ids: { udid } }), { path: '/mdm' });
      assertError(res, 400, 'Bad Request\n');
      assert.equal((await device.checkin(zl.url, macosTokenUpdate({ ids: { udid } }), { path: '/checkin' })).status, 200);
      await eventsBefore(['EnrollmentAuthenticated', 'TokenUpdated']);
    });

    it('without -checkin: /checkin is 404 and records nothing', async () => {
      const ids = uniqueIds({ udid: 'x' });
      const device = h.device();
      assertError(await device.checkin(plain.url, macosAuthenticate({ ids }), { path: '/checkin' }), 404, 'Not Found\n');
      // The same Authenticate on /mdm is the sentinel: it must be the device's only event.
      assert.equal((await device.checkin(plain.url, macosAuthenticate({ ids }))).status, 200);
      await h.collector.waitFor(ids.udid as string, 1);
      assert.deepEqual(h.collector.events(ids.udid as string).map((e) => e.type), ['EnrollmentAuthenticated']);
    });

    it('binary plist Authenticate + TokenUpdate → 200, events carry the exact binary bytes', async () => {
      const ids = uniqueIds({ udid: 'x' });
      const udid = ids.udid as string;
      const device = h.device();
      const auth = macosAuthenticate({ ids, binary: true });
      const token = macosTokenUpdate({ ids, binary: true });
      assert.equal(auth.subarray(0, 8).toString(), 'bplist00');
      assert.equal((await device.checkin(plain.url, auth)).status, 200);
      assert.equal((await device.checkin(plain.url, token)).status, 200);
      const [a, t] = (await h.collector.waitFor(udid, 2)) as [EventOf<'EnrollmentAuthenticated'>, EventOf<'TokenUpdated'>];
      assert.deepEqual([a.type, t.type], ['EnrollmentAuthenticated', 'TokenUpdated']);
      assert.deepEqual(Buffer.from(a.data.raw, 'base64'), auth);
      assert.deepEqual(h.box.open(t.data.raw, udid), token);
    });
  });

  describe('auth proxy (/authproxy/…)', () => {
    it('forwards a signed request of an enrolled device to the upstream and relays the answer', async () => {
      const { udid, device } = await enrolled(full);
      upstream.requests.length = 0;
      upstream.reply = () => ({ status: 201, headers: { 'x-upstream': 'yes', 'content-type': 'application/json' }, body: '{"created":true}' });
      const body = Buffer.from('{"hello":"upstream"}');
      const spoofed = { 'x-custom': 'kept', 'x-enrollment-id': 'SOMEONE-ELSE' };
      const res = await device.checkin(full.url, body, { path: '/authproxy/some/path?q=1', contentType: 'application/json', headers: spoofed });
      assert.deepEqual([res.status, res.body.toString(), res.headers.get('x-upstream'), res.headers.get('content-type')], [201, '{"created":true}', 'yes', 'application/json']);
      assert.equal(upstream.requests.length, 1);
      const [got] = upstream.requests;
      assert.deepEqual([got?.method, got?.url], ['PUT', '/base/some/path?q=1']);
      assert.deepEqual(got?.body, body);
      assert.equal(got?.headers['x-enrollment-id'], udid, 'the association decides, not the device');
      assert.match(String(got?.headers['x-trace-id']), /\S/);
      assert.equal(got?.headers['mdm-signature'], undefined);
      assert.equal(got?.headers.host, upstream.host);
      assert.equal(got?.headers['content-type'], 'application/json');
      assert.equal(got?.headers['x-custom'], 'kept');
      assert.match(String(got?.headers['x-forwarded-for']), /127\.0\.0\.1/);
    });

    it('refuses unsigned requests (400) and valid certificates with no association (400 "Unauthorized\\n"), never reaching the upstream', async () => {
      const { device } = await enrolled(full);
      upstream.requests.length = 0;
      const body = Buffer.from('x');
      const unsigned = await device.checkin(full.url, body, { path: '/authproxy/a', omitSignature: true });
      assertError(unsigned, 400, 'Bad Request\n');
      const stranger = await h.device().checkin(full.url, body, { path: '/authproxy/a' });
      assertError(stranger, 400, 'Unauthorized\n');
      const tampered = await device.checkin(full.url, body, { path: '/authproxy/a', sendBody: Buffer.from('y') });
      assertError(tampered, 400, 'Bad Request\n');
      assert.equal(upstream.requests.length, 0);
    });

    it('answers 502 with an empty body when the upstream is down or drops the connection', async () => {
      const { device } = await enrolled(zl, '/checkin');
      for (const [svc, setUp] of [[zl, () => undefined], [full, () => (upstream.reply = () => ({ status: 0, hangUp: true }))]] as const) {
        setUp();
        const res = await device.checkin(svc.url, Buffer.from('x'), { path: '/authproxy/down' });
        assert.deepEqual([res.status, res.body.length], [502, 0], `${svc.url}: ${res.body.toString()}`);
      }
    });

    it('drops response headers the upstream lists in Connection (RFC 9110 §7.6.1, as Go\'s ReverseProxy)', async () => {
      const { device } = await enrolled(full);
      upstream.reply = () => ({ status: 200, headers: { connection: 'close, x-hop-secret', 'x-hop-secret': 'internal' }, body: 'ok' });
      const res = await device.checkin(full.url, Buffer.from('x'), { path: '/authproxy/hop' });
      assert.deepEqual([res.status, res.body.toString()], [200, 'ok']);
      assert.equal(res.headers.get('x-hop-secret'), null);
    });

    it('is not served without -auth-proxy-url (404)', async () => {
      const { device } = await enrolled(plain);
      const res = await device.checkin(plain.url, Buffer.from('x'), { path: '/authproxy/a' });
      assert.equal(res.status, 404);
    });
  });
});
