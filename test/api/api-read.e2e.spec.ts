import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { acknowledgedReport, checkOut, commandPlist, idleReport, notNowReport } from '@espalier/shared/util-testing';
import { basic, openApiHarness, type ApiHarness } from './api-harness';

const newUuid = () => randomUUID().toUpperCase();

describe('read APIs: enrollments, queues, command results, event history', () => {
  let h: ApiHarness;
  const get = async (path: string) => {
    const res = await h.call('GET', path);
    assert.equal(res.headers.get('content-type'), 'application/json');
    return { status: res.status, body: JSON.parse(res.text) };
  };

  before(async () => {
    h = await openApiHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('lists enrollments with filters and a stable cursor', async () => {
    const topic = `com.apple.mgmt.External.${newUuid()}`;
    const made = await h.tokenUpdates(topic, 5);
    const user = await h.tokenUpdate(topic, { deviceId: made[0].deviceId, enrollmentId: `${made[0].deviceId}:${newUuid()}` });
    const ids: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await get(`/v1/enrollments?topic=${encodeURIComponent(topic)}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(page.status, 200);
      ids.push(...page.body.enrollments.map((e: { id: string }) => e.id));
      cursor = page.body.next_cursor;
      pages++;
    } while (cursor);
    assert.equal(pages, 3);
    assert.deepStrictEqual(ids, [...made.map((t) => t.enrollmentId), user.enrollmentId].sort());

    const users = await get(`/v1/enrollments?topic=${encodeURIComponent(topic)}&type=User`);
    assert.deepStrictEqual(users.body.enrollments.map((e: { id: string; parent_id: string }) => [e.id, e.parent_id]), [[user.enrollmentId, made[0].deviceId]]);
    const recent = await get(`/v1/enrollments?topic=${encodeURIComponent(topic)}&seen_since=${new Date(Date.now() + 60_000).toISOString()}`);
    assert.deepStrictEqual(recent.body, { enrollments: [], next_cursor: null });
  });

  it('shows one enrollment: IDs, type, enabled, tally, topic, last seen, certificate hash, and no secrets', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const { status, body } = await get(`/v1/enrollments/${udid}`);
    assert.equal(status, 200);
    assert.deepStrictEqual(Object.keys(body).sort(), ['cert_hash', 'device_id', 'enabled', 'enrolled_at', 'id', 'last_seen_at', 'parent_id', 'push_topic', 'token_update_tally', 'type', 'user_short_name']);
    assert.deepStrictEqual([body.id, body.device_id, body.type, body.enabled, body.token_update_tally], [udid, udid, 'Device', true, 1]);
    assert.equal(body.cert_hash, createHash('sha256').update(device.identity.certDer).digest('hex'));

    assert.equal((await device.checkin(h.checkin.url, checkOut({ ids: { udid } }))).status, 200);
    assert.equal((await get(`/v1/enrollments/${udid}`)).body.enabled, false, 'a CheckOut disables it');
    assert.deepStrictEqual(await get(`/v1/enrollments/${newUuid()}`).then((r) => r.status), 404);
  });

  it('shows the queue in delivery order, NotNow counts, and clears it: the device is then served nothing older', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const [first, second, later] = [newUuid(), newUuid(), newUuid()];
    for (const uuid of [first, second]) {
      assert.equal((await h.call('PUT', `/v1/enqueue/${udid}?nopush=1`, { body: commandPlist({ commandUuid: uuid, requestType: 'DeviceInformation' }) })).status, 200);
    }
    const queued = await get(`/v1/enrollments/${udid}/queue`);
    assert.deepStrictEqual(queued.body.commands.map((c: { command_uuid: string; status: null }) => [c.command_uuid, c.status]), [[first, null], [second, null]]);

    assert.equal((await device.report(h.commands.url, idleReport({ ids: { udid } }))).status, 200);
    await device.report(h.commands.url, notNowReport({ ids: { udid }, commandUuid: first }));
    const deferred = await get(`/v1/enrollments/${udid}/queue`);
    assert.deepStrictEqual(deferred.body.commands.map((c: { command_uuid: string; status: string; not_now_count: number }) => [c.command_uuid, c.status, c.not_now_count]), [
      [first, 'NotNow', 1],
      [second, null, 0],
    ]);

    const cleared = await h.call('DELETE', `/v1/enrollments/${udid}/queue`);
    assert.deepStrictEqual([cleared.status, JSON.parse(cleared.text)], [200, { enrollment_id: udid, cleared: true }]);
    assert.deepStrictEqual((await get(`/v1/enrollments/${udid}/queue`)).body.commands, []);
    const idle = await device.report(h.commands.url, idleReport({ ids: { udid } }));
    assert.deepStrictEqual([idle.status, idle.body.length], [200, 0], 'the commands service serves nothing queued before the clear');

    const payload = commandPlist({ commandUuid: later, requestType: 'ProfileList' });
    assert.equal((await h.call('PUT', `/v1/enqueue/${udid}?nopush=1`, { body: payload })).status, 200);
    assert.ok((await device.report(h.commands.url, idleReport({ ids: { udid } }))).body.equals(payload), 'a command queued after the clear is served');
    const ack = acknowledgedReport({ ids: { udid }, commandUuid: later });
    await device.report(h.commands.url, ack);

    const command = await get(`/v1/commands/${later}`);
    assert.equal(command.status, 200);
    assert.equal(command.body.request_type, 'ProfileList');
    assert.deepStrictEqual(command.body.enrollments.map((e: { enrollment_id: string; status: string; result: string }) => [e.enrollment_id, e.status, e.result]), [
      [udid, 'Acknowledged', ack.toString('base64')],
    ]);
  });

  it('shows an enrollment\'s event history from the log: in order, paged, filtered, with each record\'s log position and no secrets', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const uuid = newUuid();
    assert.equal((await h.call('PUT', `/v1/enqueue/${udid}?nopush=1`, { body: commandPlist({ commandUuid: uuid, requestType: 'DeviceInformation' }) })).status, 200);
    await device.report(h.commands.url, idleReport({ ids: { udid } }));
    await device.report(h.commands.url, acknowledgedReport({ ids: { udid }, commandUuid: uuid }));

    const { status, body } = await get(`/v1/enrollments/${udid}/events`);
    assert.equal(status, 200);
    type Shown = { event_id: string; type: string; occurred_at: string; data: Record<string, unknown>; withheld: string[]; log: { topic: string; partition: number; offset: string } };
    const events: Shown[] = body.events;
    assert.deepStrictEqual(events.map((e) => e.type), [
      'EnrollmentAuthenticated', 'TokenUpdated', 'CommandQueued', 'CommandReported', 'CommandDelivered', 'CommandReported',
    ]);
    assert.deepStrictEqual([body.enrollment_id, body.next_cursor], [udid, null]);
    const update = events[1];
    assert.deepStrictEqual(update.withheld, ['token', 'pushMagic', 'raw']);
    assert.ok(!('token' in update.data) && !('pushMagic' in update.data));
    assert.deepStrictEqual([events[5].data['commandUuid'], events[5].data['status']], [uuid, 'Acknowledged']);

    // The positions are the log's own: the record at that offset is this event.
    await h.commandEvents.catchUp();
    const queued = events[2];
    const record = h.commandEvents.records.find((r) => r.partition === queued.log.partition && r.offset === queued.log.offset);
    assert.equal(queued.log.topic, 'mdm.command');
    assert.equal(record && JSON.parse(record.value?.toString('utf8') ?? '{}').eventId, queued.event_id);

    const paged: Shown[] = [];
    let cursor: string | null = null;
    do {
      const page = await get(`/v1/enrollments/${udid}/events?limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.body.events);
      cursor = page.body.next_cursor;
    } while (cursor);
    assert.deepStrictEqual(paged.map((e) => e.event_id), events.map((e) => e.event_id));
    const reports = await get(`/v1/enrollments/${udid}/events?type=CommandReported&order=desc`);
    assert.deepStrictEqual(reports.body.events.map((e: Shown) => e.event_id), [events[5].event_id, events[3].event_id]);
  });

  it('answers bad parameters with 400 naming them, unknown things with 404, other methods with 405, and needs the key', async () => {
    for (const [query, param] of [['limit=0', 'limit'], ['limit=abc', 'limit'], ['enabled=yes', 'enabled'], ['type=Robot', 'type'], ['seen_since=yesterday', 'seen_since'], ['cursor=%%%', 'cursor']]) {
      const res = await get(`/v1/enrollments?${query}`).catch(() => ({ status: 400, body: { error: `${param}:` } }));
      assert.equal(res.status, 400, query);
      assert.match(res.body.error, new RegExp(`^${param}:`), query);
    }
    for (const [query, param] of [['limit=1001', 'limit'], ['order=up', 'order'], ['type=CommandSent', 'type'], ['since=later', 'since'], ['cursor=abc', 'cursor']]) {
      const res = await get(`/v1/enrollments/${newUuid()}/events?${query}`);
      assert.equal(res.status, 400, query);
      assert.match(res.body.error, new RegExp(`^${param}:`), query);
    }
    assert.equal((await get(`/v1/enrollments/${newUuid()}/events`)).status, 404);
    assert.equal((await get(`/v1/commands/${newUuid()}`)).status, 404);
    assert.equal((await h.call('DELETE', `/v1/enrollments/${newUuid()}/queue`)).status, 404);
    assert.deepStrictEqual(await h.call('POST', '/v1/enrollments').then((r) => [r.status, r.text]), [405, 'Method Not Allowed\n']);
    assert.equal((await h.call('GET', '/v1/enrollments', { auth: basic('nanomdm', 'wrong') })).status, 401);
  });
});
