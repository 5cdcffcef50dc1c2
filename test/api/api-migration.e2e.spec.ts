import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { FIXTURE_TOPIC, commandPlist, idleReport, issuePushCertificate, macosAuthenticate, macosTokenUpdate } from '@espalier/shared/util-testing';
import type { ServiceProcess } from '../services/service-process';
import { basic, openApiHarness, type ApiHarness } from './api-harness';

describe('/migration: enrollments from another server, without device certificates', () => {
  let h: ApiHarness;
  let migrating: ServiceProcess;
  let retroCommands: ServiceProcess;

  before(async () => {
    h = await openApiHarness();
    // As an operator moving a fleet runs it: /migration on, and -retro so the devices' own certificates get associated later.
    [migrating, retroCommands] = await Promise.all([
      h.startService('checkin', { ESPALIER_API: h.key, ESPALIER_MIGRATION: 'true', ESPALIER_RETRO: 'true' }),
      h.startService('commands', { ESPALIER_RETRO: 'true', ESPALIER_CATCH_UP_TIMEOUT: '30s' }),
    ]);
  });
  after(async () => {
    await h?.close();
  });

  const migrate = (url: string, body: Buffer, auth: string | null = basic('nanomdm', h.key)) =>
    fetch(`${url}/migration`, { method: 'PUT', body, headers: auth ? { Authorization: auth } : {} });

  it('needs -migration and the API key', async () => {
    const body = macosAuthenticate({ ids: { udid: randomUUID().toUpperCase() } });
    const off = await migrate(h.checkin.url, body);
    assert.deepStrictEqual([off.status, await off.text()], [404, '404 page not found\n']);
    for (const auth of [null, basic('nanomdm', 'wrong')]) {
      const res = await migrate(migrating.url, body, auth);
      assert.deepStrictEqual([res.status, await res.text(), res.headers.get('www-authenticate')], [401, 'Unauthorized\n', 'Basic realm="nanomdm"']);
    }
    const garbage = await migrate(migrating.url, Buffer.from('not a plist'));
    assert.equal(garbage.status, 400);
  });

  it('a migrated enrollment can be pushed and receives commands (with -retro)', async () => {
    const device = h.device();
    const udid = randomUUID().toUpperCase();
    for (const body of [macosAuthenticate({ ids: { udid } }), macosTokenUpdate({ ids: { udid } })]) {
      const res = await migrate(migrating.url, body);
      assert.equal(res.status, 200, await res.text());
    }
    const cert = issuePushCertificate({ topic: FIXTURE_TOPIC });
    assert.equal((await h.call('PUT', '/v1/pushcert', { body: cert.certPem + cert.keyPem })).status, 200);
    h.apns.reply(() => ({ status: 200, apnsId: 'MIGRATED' }));
    const commandUuid = randomUUID().toUpperCase();
    const payload = commandPlist({ commandUuid, requestType: 'DeviceInformation', command: { Queries: ['SerialNumber'] } });
    const enqueued = await h.call('PUT', `/v1/enqueue/${udid}`, { body: payload });
    assert.equal(enqueued.status, 200, enqueued.text);
    assert.deepStrictEqual(JSON.parse(enqueued.text).status, { [udid]: { push_result: 'MIGRATED' } });
    h.apns.reply(() => ({ status: 200 }));

    // The device's certificate was never seen: without -retro its report is refused; with it, associated and served.
    assert.equal((await device.report(h.commands.url, idleReport({ ids: { udid } }))).status, 500);
    const reply = await device.report(retroCommands.url, idleReport({ ids: { udid } }));
    assert.equal(reply.status, 200);
    assert.ok(reply.body.equals(payload), 'the migrated device got the enqueued bytes');
  });
});
