import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { certHash } from '@espalier/mdm/device-auth';
import {
  acknowledgedReport,
  createTestCa,
  idleReport,
  issueDeviceIdentity,
  notNowReport,
  REPORT_CONTENT_TYPE,
  signMdmBody,
  SimulatedDevice,
  statusReport,
  waitUntil,
  writePlist,
} from '@espalier/shared/util-testing';
import { appendMigratedEnrollment, assertError, putDeclaringLength } from '../checkin/auth-helpers';
import type { ServiceProcess } from '../services/service-process';
import { openCommandsHarness, type CommandsHarness } from './commands-harness';

/** §3.4 / §15.1 error statuses of the ServerURL, with NanoMDM's error body. */
describe('commands service: refused reports', () => {
  let h: CommandsHarness;
  let device: SimulatedDevice;
  let udid: string;
  before(async () => {
    h = await openCommandsHarness();
    device = h.device();
    udid = await h.enroll(device);
  });
  after(() => h.close());

  const url = () => h.commands.url;

  it('certificate problems are 400: no Mdm-Signature, a tampered body, a certificate from another CA', async () => {
    const body = idleReport({ ids: { udid } });
    assertError(await device.report(url(), body, { omitSignature: true }), 400, 'no signature');
    assertError(await device.report(url(), body, { sendBody: idleReport({ ids: { udid: randomUUID() } }) }), 400, 'tampered');
    const stranger = new SimulatedDevice(issueDeviceIdentity(createTestCa({ commonName: 'Some Other CA' }), { keyType: 'rsa' }));
    assertError(await stranger.report(url(), body), 400, 'untrusted CA');
  });

  it('unparsable body or empty Status → 400', async () => {
    assertError(await device.report(url(), Buffer.from('definitely not a plist')), 400, 'garbage');
    assertError(await device.report(url(), writePlist({ UDID: udid, Status: '' })), 400, 'empty Status');
    assertError(await device.report(url(), writePlist({ UDID: udid })), 400, 'no Status');
    assertError(await device.report(url(), writePlist({ UDID: udid, Status: 7 })), 400, 'Status of the wrong type');
  });

  it('no enrollment ID → 500', async () => {
    assertError(await device.report(url(), writePlist({ Status: 'Idle' })), 500);
  });

  it('cert-auth: a valid certificate not associated with the enrollment → 500 (another device’s, or one never enrolled)', async () => {
    const other = h.device();
    await h.enroll(other);
    assertError(await other.report(url(), idleReport({ ids: { udid } })), 500, 'other device’s certificate');
    const never = h.device();
    assertError(await never.report(url(), idleReport({ ids: { udid: randomUUID().toUpperCase() } })), 500, 'never enrolled');
  });

  it('storage rules: unknown CommandUUID → 500; a non-Idle status without CommandUUID → 500', async () => {
    assertError(await device.report(url(), acknowledgedReport({ ids: { udid }, commandUuid: randomUUID() })), 500, 'unknown command');
    assertError(await device.report(url(), notNowReport({ ids: { udid }, commandUuid: randomUUID() })), 500, 'unknown command NotNow');
    assertError(await device.report(url(), statusReport('Acknowledged', { ids: { udid }, commandUuid: '' })), 500, 'no CommandUUID');
  });

  it('a body over -body-limit → 413 on the declared length alone', async () => {
    const small = idleReport({ ids: { udid } });
    const res = await putDeclaringLength(url(), 11 * 1024 * 1024, small, signMdmBody(small, device.identity));
    assert.equal(res.status, 413);
  });

  it('a refused report records nothing', async () => {
    const marker = randomUUID();
    await device.report(url(), acknowledgedReport({ ids: { udid }, commandUuid: marker }));
    await h.commandEvents.catchUp();
    const mentioning = h.commandEvents.records.filter((r) => r.value !== null && r.value.toString('utf8').includes(marker));
    assert.deepEqual(mentioning, [], 'no event names the refused command');
    const reported = h.commandEvents.records.filter((r) => r.key === udid && r.headers['espalier-type'] === 'CommandReported');
    for (const r of reported) assert.ok(!Buffer.from(JSON.parse(r.value!.toString()).data.raw, 'base64').toString().includes(marker));
  });

  describe('-retro (§8.4): a migrated enrollment adopts the first valid certificate it reports with', () => {
    let retro: ServiceProcess;
    before(async () => {
      retro = await h.startService('commands', { ESPALIER_RETRO: 'true', ESPALIER_CATCH_UP_TIMEOUT: '30s' });
    });

    it('without -retro 500; with -retro 200, and both services learn the association', async () => {
      const migrated = randomUUID().toUpperCase();
      await appendMigratedEnrollment(h, migrated);
      const phone = h.device();
      const idle = idleReport({ ids: { udid: migrated } });
      assertError(await phone.report(url(), idle), 500, 'not associated, no -retro');
      const res = await phone.report(retro.url, idle);
      assert.equal(res.status, 200);
      const hash = certHash(phone.identity.certDer);
      for (const schema of ['commands', 'checkin']) {
        await waitUntil(`${schema} associates the certificate`, async () => {
          const { rows } = await h.pool.query(`SELECT association FROM ${schema}.cert_associations WHERE device_id = $1 AND cert_hash = $2`, [migrated, hash]);
          return rows[0]?.association === 'retroactive';
        });
      }
      assert.equal((await phone.report(url(), idle)).status, 200, 'associated now, also without -retro');
      const thief = h.device();
      assertError(await thief.report(retro.url, idle), 500, 'a second certificate is re-use');
    });
  });

  it('content type does not matter to the commands service (routing decides)', async () => {
    const body = idleReport({ ids: { udid } });
    const res = await fetch(new URL('/mdm', url()), { method: 'POST', headers: { 'content-type': REPORT_CONTENT_TYPE, 'mdm-signature': signMdmBody(body, device.identity) }, body });
    assert.equal(res.status, 200);
  });
});
