import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { FIXTURE_TOPIC, commandPlist, idleReport, issuePushCertificate, waitUntil } from '@espalier/shared/util-testing';
import { basic, openApiHarness, type ApiHarness, type ApiResponse } from './api-harness';

/** NanoMDM's JSON: tab-indented, trailing newline, application/json (§3.5–3.8). */
const goJson = (value: unknown) => `${JSON.stringify(value, null, '\t')}\n`;
const assertJson = (res: ApiResponse, status: number, body: unknown) => {
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.text, goJson(body), res.text);
  assert.equal(res.status, status, res.text);
};
const newUuid = () => randomUUID().toUpperCase();
/** A status map with its keys in Go's (sorted) order. */
const sorted = (status: Record<string, object>) => Object.fromEntries(Object.entries(status).sort(([x], [y]) => (x < y ? -1 : 1)));

describe('api service: NanoMDM routes over HTTP, with the full stack', () => {
  let h: ApiHarness;
  let cert: ReturnType<typeof issuePushCertificate>;

  before(async () => {
    h = await openApiHarness({ ESPALIER_BODY_LIMIT: '65536' });
    cert = issuePushCertificate({ topic: FIXTURE_TOPIC });
  });
  after(async () => {
    await h?.close();
  });

  it('/version answers any method without auth, exactly {"version":"…"}', async () => {
    for (const method of ['GET', 'POST']) {
      const res = await h.call(method, '/version', { auth: null });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.match(res.text, /^\{"version":"[^"\n]+"\}$/);
    }
  });

  it('serves its OpenAPI document without credentials', async () => {
    const res = await h.call('GET', '/v1/openapi.json', { auth: null });
    assert.equal(res.status, 200);
    const doc = JSON.parse(res.text);
    assert.equal(doc.openapi, '3.1.0');
    assert.ok(doc.paths['/v1/enqueue/{ids}'].put);
  });

  it('refuses a wrong user, a wrong key or no credentials with 401 and NanoMDM\'s realm; an unknown path is 404', async () => {
    for (const auth of [null, basic('admin', h.key), basic('nanomdm', 'wrong'), 'Bearer x']) {
      const res = await h.call('GET', '/v1/push/ABC', { auth });
      assert.deepStrictEqual([res.status, res.text, res.headers.get('www-authenticate')], [401, 'Unauthorized\n', 'Basic realm="nanomdm"']);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    }
    const unknown = await h.call('GET', '/v1/nothing');
    assert.deepStrictEqual([unknown.status, unknown.text], [404, '404 page not found\n']);
    const bare = await h.call('GET', '/v1/push');
    assert.deepStrictEqual([bare.status, bare.headers.get('location')], [301, '/v1/push/']);
  });

  it('PUT /v1/pushcert stores a certificate and GET reads it back; bad uploads are 400, other methods 405', async () => {
    const notAfter = new Date(new (await import('node:crypto')).X509Certificate(cert.certPem).validTo).toISOString().replace(/\.\d{3}Z$/, 'Z');
    // Glued PEM blocks, key first: NanoMDM tolerates both.
    const put = await h.call('PUT', '/v1/pushcert', { body: `${cert.keyPem.trim()}${cert.certPem}` });
    assertJson(put, 200, { not_after: notAfter, topic: FIXTURE_TOPIC });
    assertJson(await h.call('GET', `/v1/pushcert?topic=${encodeURIComponent(FIXTURE_TOPIC)}`), 200, { not_after: notAfter, topic: FIXTURE_TOPIC });

    assertJson(await h.call('GET', '/v1/pushcert'), 400, { error: 'missing required query parameter: topic' });
    const unknown = await h.call('GET', '/v1/pushcert?topic=com.apple.mgmt.nothing');
    assert.equal(unknown.status, 500);
    assert.match(JSON.parse(unknown.text).error, /none stored for topic "com.apple.mgmt.nothing"/);
    const garbage = await h.call('PUT', '/v1/pushcert', { body: 'not a pem' });
    assert.equal(garbage.status, 400);
    assert.ok(JSON.parse(garbage.text).error.length > 0);
    const other = await h.call('POST', '/v1/pushcert', { body: cert.certPem });
    assert.deepStrictEqual([other.status, other.text], [405, 'Method Not Allowed\n']);
  });

  it('/v1/push pushes enrolled devices with the uploaded certificate: 200, 207 and 500 as NanoMDM', async () => {
    await h.call('PUT', '/v1/pushcert', { body: cert.certPem + cert.keyPem });
    const [a, b] = [await h.enroll(h.device()), await h.enroll(h.device())];
    h.apns.reply(() => ({ status: 200, apnsId: 'APNS-OK' }));
    assertJson(await h.call('GET', `/v1/push/${a},${b}`), 200, { status: sorted({ [a]: { push_result: 'APNS-OK' }, [b]: { push_result: 'APNS-OK' } }) });
    const fingerprint = new (await import('node:crypto')).X509Certificate(cert.certPem).fingerprint256;
    assert.equal(h.apns.requests.at(-1)?.certificateFingerprint, fingerprint);

    const missing = newUuid();
    const partial = await h.call('GET', `/v1/push/${a}%2C${missing}`);
    assertJson(partial, 207, { status: sorted({ [a]: { push_result: 'APNS-OK' }, [missing]: { push_error: 'push data missing for id' } }) });
    assertJson(await h.call('GET', `/v1/push/${missing}`), 500, { status: { [missing]: { push_error: 'push data missing for id' } } });
    assertJson(await h.call('GET', '/v1/push/'), 500, { push_error: 'getting enrollment ids: empty path' });

    h.apns.reply(() => ({ status: 410, reason: 'Unregistered', timestamp: 1_767_000_000_000 }));
    try {
      assertJson(await h.call('GET', `/v1/push/${b}`), 500, { status: { [b]: { push_error: 'push HTTP status: 410: APNs push error: Unregistered: timestamp 1767000000000' } } });
    } finally {
      h.apns.reply(() => ({ status: 200 }));
    }
  });

  it('/v1/enqueue stores a cmdr.py-style plist byte-for-byte, pushes, and the device receives exactly those bytes', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    h.apns.reply(() => ({ status: 200, apnsId: 'APNS-ENQ' }));
    const commandUuid = newUuid();
    // As cmdr.py writes it: an XML plist, CommandUUID and Command.RequestType.
    const payload = commandPlist({ commandUuid, requestType: 'ProfileList', command: { ManagedOnly: false } });
    const res = await h.call('PUT', `/v1/enqueue/${udid}`, { body: payload });
    assertJson(res, 200, { status: { [udid]: { push_result: 'APNS-ENQ' } }, command_uuid: commandUuid, request_type: 'ProfileList' });
    const reply = await device.report(h.commands.url, idleReport({ ids: { udid } }));
    assert.equal(reply.status, 200);
    assert.ok(reply.body.equals(payload), 'the device got the enqueued bytes');

    const quiet = newUuid();
    const pushesBefore = h.apns.requests.length;
    const noPush = await h.call('PUT', `/v1/enqueue/${udid}?nopush=0`, { body: commandPlist({ commandUuid: quiet, requestType: 'DeviceInformation' }) });
    assertJson(noPush, 200, { no_push: true, command_uuid: quiet, request_type: 'DeviceInformation' });
    await h.pushEvents.catchUp();
    assert.equal(h.apns.requests.length, pushesBefore, 'nopush with any value pushes nothing');

    // An empty body is a push only.
    assertJson(await h.call('PUT', `/v1/enqueue/${udid}`), 200, { status: { [udid]: { push_result: 'APNS-ENQ' } } });
    h.apns.reply(() => ({ status: 200 }));
  });

  it('/v1/escrowkeyunlock posts to Apple with the topic\'s push certificate and passes its answer back', async () => {
    await h.call('PUT', '/v1/pushcert', { body: cert.certPem + cert.keyPem });
    h.escrow.reply(200, 'unlocked');
    const form = new URLSearchParams({ topic: FIXTURE_TOPIC, serial: 'C02XK1', productType: 'Mac14,2', orgName: 'Acme & Sons', guid: 'G-1', escrowKey: 'k+y', imei: '35 20' });
    const res = await h.call('POST', '/v1/escrowkeyunlock', { body: form.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.deepStrictEqual([res.status, res.text], [200, 'unlocked']);
    assert.deepStrictEqual(h.escrow.requests.at(-1), {
      method: 'POST',
      url: '/deviceservicesworkers/escrowKeyUnlock?imei=35+20&productType=Mac14%2C2&serial=C02XK1',
      contentType: 'application/x-www-form-urlencoded',
      body: 'escrowKey=k%2By&guid=G-1&orgName=Acme+%26+Sons',
      topic: FIXTURE_TOPIC,
    });
    h.escrow.reply(403, 'nope');
    const refused = await h.call('POST', '/v1/escrowkeyunlock', { body: form.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.deepStrictEqual([refused.status, refused.text], [403, 'nope'], "Apple's status and body, unchanged");

    const noTopic = new URLSearchParams(form);
    noTopic.delete('topic');
    assertJson(await h.call('POST', '/v1/escrowkeyunlock', { body: noTopic.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 400, { error: 'empty topic' });
    // Query parameters do not count, as in NanoMDM.
    assertJson(await h.call('POST', `/v1/escrowkeyunlock?${form}`), 400, { error: 'invalid or missing parameters' });
    const unknownTopic = new URLSearchParams(form);
    unknownTopic.set('topic', 'com.apple.mgmt.none');
    const missing = await h.call('POST', '/v1/escrowkeyunlock', { body: unknownTopic.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
    assert.equal(missing.status, 500);
    assert.match(JSON.parse(missing.text).error, /none stored for topic/);
  });

  describe('bad input gets a clear error and appends nothing', () => {
    const submittedWith = async (commandUuid: string) => {
      await h.commandEvents.catchUp();
      return h.commandLog().filter((e) => e.type === 'CommandSubmitted' && e.data.commandUuid === commandUuid);
    };

    it('a body that is not a plist: 500 with the parse error and the raw content, escaped as Go does', async () => {
      const udid = await h.enroll(h.device());
      const res = await h.call('PUT', `/v1/enqueue/${udid}`, { body: '<not a plist & more>' });
      assert.equal(res.status, 500);
      assert.match(res.text, /^\{\n\t"command_error": "decoding command: parse error: .*: raw content: \\u003cnot a plist \\u0026 more\\u003e"\n\}\n$/);
    });

    it('a plist without CommandUUID or RequestType: "decoding command: invalid command"', async () => {
      const udid = await h.enroll(h.device());
      for (const body of [commandPlist({ commandUuid: '', requestType: 'ProfileList' }), commandPlist({ commandUuid: newUuid(), requestType: '' })]) {
        assertJson(await h.call('PUT', `/v1/enqueue/${udid}`, { body }), 500, { command_error: 'decoding command: invalid command' });
      }
    });

    it('an unknown enrollment ID or a used CommandUUID fails the whole request', async () => {
      const udid = await h.enroll(h.device());
      const unknown = newUuid();
      const commandUuid = newUuid();
      const body = commandPlist({ commandUuid, requestType: 'ProfileList' });
      assertJson(await h.call('PUT', `/v1/enqueue/${udid},${unknown}`, { body }), 500, {
        command_error: `enqueuing command: unknown enrollment ID "${unknown}"`, command_uuid: commandUuid, request_type: 'ProfileList',
      });
      assert.deepStrictEqual(await submittedWith(commandUuid), [], 'nothing appended for the known ID either');

      assert.equal((await h.call('PUT', `/v1/enqueue/${udid}?nopush=1`, { body })).status, 200);
      assertJson(await h.call('PUT', `/v1/enqueue/${udid}?nopush=1`, { body }), 500, {
        no_push: true, command_error: `enqueuing command: command UUID "${commandUuid}" already exists`, command_uuid: commandUuid, request_type: 'ProfileList',
      });
      assert.equal((await submittedWith(commandUuid)).length, 1, 'only the first submission is in the log');
    });

    it('an oversized body is 413; an empty body with nopush is "must enqueue or push"', async () => {
      const udid = await h.enroll(h.device());
      const commandUuid = newUuid();
      const huge = commandPlist({ commandUuid, requestType: 'InstallProfile', command: { Payload: Buffer.alloc(70_000, 1) } });
      const res = await h.call('PUT', `/v1/enqueue/${udid}`, { body: huge });
      assert.equal(res.status, 413);
      assert.match(JSON.parse(res.text).command_error, /exceeds the 65536-byte limit/);
      assert.deepStrictEqual(await submittedWith(commandUuid), []);
      assertJson(await h.call('PUT', `/v1/enqueue/${udid}?nopush=yes`), 500, { no_push: true, command_error: 'must enqueue or push' });
      assertJson(await h.call('PUT', '/v1/enqueue/'), 500, { command_error: 'getting enrollment ids: empty path' });
    });
  });

  it('the queued command from the API is what the commands service queued (waits for the device)', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const commandUuid = newUuid();
    const payload = commandPlist({ commandUuid, requestType: 'DeviceInformation', command: { Queries: ['OSVersion'] } });
    assert.equal((await h.call('PUT', `/v1/enqueue/${udid}?nopush=1`, { body: payload })).status, 200);
    await waitUntil('CommandQueued', () => h.commandLog().some((e) => e.type === 'CommandQueued' && e.data.commandUuid === commandUuid));
    const reply = await device.report(h.commands.url, idleReport({ ids: { udid } }));
    assert.ok(reply.body.equals(payload));
  });
});
