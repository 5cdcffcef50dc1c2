import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { TOPICS, decodeEvent, type EventOf } from '@espalier/contracts/events';
import {
  acknowledgedReport,
  checkOut,
  errorReport,
  idleReport,
  macosAuthenticate,
  macosTokenUpdate,
  macosUserTokenUpdate,
  uniqueName,
  waitUntil,
  type SimulatedDevice,
} from '@espalier/shared/util-testing';
import { openCommandsHarness, type CommandsHarness, type Submitted } from './commands-harness';

/**
 * Queue lifecycle over HTTP (§7.2, §7.5, §15.5–6): user channels have their
 * own queues, Authenticate clears the device's and its users' queues, CheckOut
 * does not, the enabled flag is not consulted; and what the log records.
 */
describe('commands service: queues across the enrollment lifecycle', () => {
  let h: CommandsHarness;
  before(async () => {
    h = await openCommandsHarness();
  });
  after(() => h.close());

  const send = (device: SimulatedDevice, body: Buffer) => device.report(h.commands.url, body);
  const bodyOf = async (device: SimulatedDevice, body: Buffer) => {
    const res = await send(device, body);
    assert.equal(res.status, 200, `report answered ${res.status}: ${res.body.toString()}`);
    return res.body;
  };
  const queued = async (targets: string[]): Promise<Submitted> => {
    const submitted = await h.submit(targets);
    await h.queued(submitted, targets.length);
    return submitted;
  };
  async function enrollUser(device: SimulatedDevice, udid: string): Promise<string> {
    const userId = randomUUID().toUpperCase();
    const res = await device.checkin(h.checkin.url, macosUserTokenUpdate({ ids: { udid, userId } }));
    assert.equal(res.status, 200);
    return userId;
  }

  it('device and user channels have separate queues', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const userId = await enrollUser(device, udid);
    const forUser = await queued([`${udid}:${userId}`]);
    const forDevice = await queued([udid]);
    assert.ok((await bodyOf(device, idleReport({ ids: { udid } }))).equals(forDevice.payload), 'device channel gets only its command');
    assert.ok((await bodyOf(device, idleReport({ ids: { udid, userId } }))).equals(forUser.payload), 'user channel gets only its command');
    assert.equal((await bodyOf(device, acknowledgedReport({ ids: { udid }, commandUuid: forDevice.commandUuid }))).length, 0);
    assert.equal((await bodyOf(device, acknowledgedReport({ ids: { udid, userId }, commandUuid: forUser.commandUuid }))).length, 0);
  });

  it('one submission to a device and its user channel queues both', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const userId = await enrollUser(device, udid);
    const both = await queued([udid, `${udid}:${userId}`]);
    assert.ok((await bodyOf(device, idleReport({ ids: { udid } }))).equals(both.payload));
    assert.ok((await bodyOf(device, idleReport({ ids: { udid, userId } }))).equals(both.payload));
  });

  it('Authenticate clears the device’s and its user channels’ queues (delivered and NotNow’d ones too); later commands are served', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const userId = await enrollUser(device, udid);
    const a = await queued([udid]);
    await queued([udid]);
    await queued([`${udid}:${userId}`]);
    assert.ok((await bodyOf(device, idleReport({ ids: { udid } }))).equals(a.payload), 'A was delivered before re-enrollment');
    assert.equal((await device.checkin(h.checkin.url, macosAuthenticate({ ids: { udid } }))).status, 200);
    assert.equal((await bodyOf(device, idleReport({ ids: { udid } }))).length, 0, 'device queue cleared');
    assert.equal((await bodyOf(device, idleReport({ ids: { udid, userId } }))).length, 0, 'user queue cleared');
    assert.equal((await device.checkin(h.checkin.url, macosTokenUpdate({ ids: { udid } }))).status, 200);
    const c = await queued([udid]);
    assert.ok((await bodyOf(device, idleReport({ ids: { udid } }))).equals(c.payload), 'a command queued after Authenticate is served');
  });

  it('CheckOut keeps the queue, and the disabled enrollment is still served (§15.5–6)', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const a = await queued([udid]);
    assert.equal((await device.checkin(h.checkin.url, checkOut({ ids: { udid } }))).status, 200);
    const enabled = await h.pool.query<{ enabled: boolean }>('SELECT enabled FROM checkin.enrollments WHERE id = $1', [udid]);
    assert.equal(enabled.rows[0].enabled, false);
    assert.ok((await bodyOf(device, idleReport({ ids: { udid } }))).equals(a.payload));
  });

  it('a device whose TokenUpdate got 200 is served at once (no race with the projection)', async () => {
    const devices = Array.from({ length: 8 }, () => h.device());
    await Promise.all(
      devices.map(async (device) => {
        const udid = await h.enroll(device);
        assert.equal((await send(device, idleReport({ ids: { udid } }))).status, 200);
      }),
    );
  });

  it('a command is deliverable the moment its CommandQueued is in the log: an Idle sent on seeing it always gets it', async () => {
    const devices = await Promise.all(Array.from({ length: 10 }, async () => ({ device: h.device(), udid: '' })));
    for (const d of devices) d.udid = await h.enroll(d.device);
    const byUdid = new Map(devices.map((d) => [d.udid, d]));
    const outcomes: Promise<{ udid: string; body: Buffer }>[] = [];
    const seen = new Set<string>();
    const consumer = h.log.subscribe({
      groupId: uniqueName('react-to-queued'),
      topics: [TOPICS.command],
      fromBeginning: false,
      handleBatch: async (batch) => {
        for (const record of batch.records) {
          if (record.headers['espalier-type'] !== 'CommandQueued' || record.key === null || !byUdid.has(record.key) || seen.has(record.key)) continue;
          seen.add(record.key);
          const d = byUdid.get(record.key)!;
          // Not awaited: the Idle goes out at once, while the consumer moves on.
          outcomes.push(send(d.device, idleReport({ ids: { udid: d.udid } })).then((res) => ({ udid: d.udid, body: res.body })));
        }
      },
    });
    await consumer.start();
    try {
      const submitted = await Promise.all(devices.map((d) => h.submit([d.udid])));
      const payloadOf = new Map(devices.map((d, i) => [d.udid, submitted[i].payload]));
      const deadline = Date.now() + 30_000;
      while (outcomes.length < devices.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const results = await Promise.all(outcomes);
      assert.equal(results.length, devices.length);
      for (const r of results) assert.ok(r.body.equals(payloadOf.get(r.udid)!), `${r.udid} got ${JSON.stringify(r.body.toString().slice(0, 60))}`);
    } finally {
      await consumer.stop();
    }
  });

  it('records every report as CommandReported with the exact bytes (Idle too, as a connect event) and each reply as CommandDelivered', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const a = await queued([udid]);
    const idle = idleReport({ ids: { udid } });
    const failed = errorReport({ ids: { udid }, commandUuid: a.commandUuid });
    await bodyOf(device, idle);
    await bodyOf(device, failed);
    const events = await waitForEvents(h, udid, 3);
    const [connect, delivered, reported] = events as [EventOf<'CommandReported'>, EventOf<'CommandDelivered'>, EventOf<'CommandReported'>];
    assert.equal(connect.type, 'CommandReported');
    assert.equal(connect.data.commandUuid, null);
    assert.equal(connect.data.status, 'Idle');
    assert.ok(Buffer.from(connect.data.raw, 'base64').equals(idle));
    assert.equal(delivered.type, 'CommandDelivered');
    assert.equal(delivered.data.commandUuid, a.commandUuid);
    assert.equal(reported.data.status, 'Error');
    assert.equal(reported.data.commandUuid, a.commandUuid);
    assert.ok(Buffer.from(reported.data.raw, 'base64').equals(failed));
    assert.equal(reported.data.errorChain?.[0].errorDomain, 'MCProfileErrorDomain');
    assert.equal(reported.source, 'commands');
    // The event is in the log; the projection applies it a moment later (the next report's fence would wait for it).
    const query = () =>
      h.pool.query('SELECT status, result, deliveries FROM commands.enrollment_commands WHERE enrollment_id = $1 AND command_uuid = $2', [udid, a.commandUuid]);
    await waitUntil('the report applied by the projection', async () => ((await query()).rows[0]?.status ?? null) !== null, 10_000, 20);
    const row = await query();
    assert.equal(row.rows[0].status, 'Error');
    assert.ok((row.rows[0].result as Buffer).equals(failed));
    assert.equal(row.rows[0].deliveries, 1);
  });

  it('binary-plist reports are accepted; the reply is still the command’s exact bytes', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const a = await queued([udid]);
    const binaryIdle = idleReport({ ids: { udid }, binary: true });
    assert.ok((await bodyOf(device, binaryIdle)).equals(a.payload));
  });

  it('rejects a submission as a whole: duplicate CommandUUID, unknown enrollment (nothing is queued)', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const a = await queued([udid]);
    const dup = await h.submit([udid], { commandUuid: a.commandUuid });
    assert.equal((await h.decision(dup.submissionId, 1)).rejected?.data.reason, 'duplicate-command-uuid');
    const unknown = await h.submit([udid, `NOT-ENROLLED-${randomUUID()}`]);
    const decision = await h.decision(unknown.submissionId, 2);
    assert.equal(decision.rejected?.data.reason, 'unknown-enrollment');
    assert.equal(decision.queued.length, 0);
    assert.ok((await bodyOf(device, idleReport({ ids: { udid } }))).equals(a.payload));
    assert.equal((await bodyOf(device, acknowledgedReport({ ids: { udid }, commandUuid: a.commandUuid }))).length, 0, 'the rejected command never reaches the queue');
  });
});

async function waitForEvents(h: CommandsHarness, deviceId: string, count: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const events = h.commandEvents.records
      .filter((r) => r.key === deviceId)
      .map((r) => decodeEvent({ value: r.value, headers: r.headers }))
      .filter((e) => e.type === 'CommandReported' || e.type === 'CommandDelivered');
    if (events.length >= count) return events;
    if (Date.now() > deadline) throw new Error(`expected ${count} report events for ${deviceId}, saw ${events.length}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
