import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { parse } from 'plist';
import { idleReport } from '@espalier/shared/util-testing';
import { openApiHarness, type ApiHarness } from './api-harness';

const newUuid = () => randomUUID().toUpperCase();

describe('POST /v1/commands: JSON commands checked against Apple\'s schema', () => {
  let h: ApiHarness;
  const post = async (body: unknown) => {
    const res = await h.call('POST', '/v1/commands', { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    return { status: res.status, body: JSON.parse(res.text) };
  };

  before(async () => {
    h = await openApiHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('a JSON command reaches the device as the equivalent plist', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    const commandUuid = newUuid();
    const res = await post({ request_type: 'DeviceLock', command_uuid: commandUuid, Message: 'Call IT', PhoneNumber: '+1 555 0100', enrollment_ids: [udid], no_push: true });
    assert.deepStrictEqual(res, { status: 201, body: { command_uuid: commandUuid, request_type: 'DeviceLock', enrollments: 1, no_push: true, queued: true } });
    const reply = await device.report(h.commands.url, idleReport({ ids: { udid } }));
    assert.equal(reply.status, 200);
    assert.deepStrictEqual(parse(reply.body.toString('utf8')), { CommandUUID: commandUuid, Command: { RequestType: 'DeviceLock', Message: 'Call IT', PhoneNumber: '+1 555 0100' } });
  });

  it('a selector targets every enrollment of a push topic', async () => {
    const topic = `com.apple.mgmt.External.${newUuid()}`;
    const targets = await h.tokenUpdates(topic, 25);
    const res = await post({ request_type: 'DeviceInformation', Queries: ['OSVersion', 'SerialNumber'], selector: { topic }, no_push: true });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.equal(res.body.enrollments, 25);
    for (const t of [targets[0], targets[24]]) {
      const queue = JSON.parse((await h.call('GET', `/v1/enrollments/${t.enrollmentId}/queue`)).text);
      assert.deepStrictEqual(queue.commands.map((c: { command_uuid: string }) => c.command_uuid), [res.body.command_uuid]);
    }
    assert.deepStrictEqual(await post({ request_type: 'DeviceInformation', Queries: ['OSVersion'], selector: { topic: 'com.apple.mgmt.none' } }), {
      status: 404, body: { error: 'the selector matches no enrollments' },
    });
  });

  it('bad commands name their fields; unknown IDs, a used UUID and bad JSON are refused; nothing is appended', async () => {
    const udid = await h.enroll(h.device());
    const bad = await post({ request_type: 'DeviceLock', Message: 42, Colour: 'red', enrollment_ids: [udid] });
    assert.deepStrictEqual(bad, { status: 400, body: { error: 'invalid command', errors: ['Message: must be a string', 'Colour: not a key of DeviceLock'] } });
    assert.equal((await post('{"request_type": ')).status, 400);
    const unknown = newUuid();
    const commandUuid = newUuid();
    const missing = await post({ request_type: 'DeviceLock', command_uuid: commandUuid, enrollment_ids: [udid, unknown] });
    assert.deepStrictEqual(missing, { status: 404, body: { error: `enqueuing command: unknown enrollment ID "${unknown}"` } });
    await h.commandEvents.catchUp();
    assert.deepStrictEqual(h.commandLog().filter((e) => e.type === 'CommandSubmitted' && e.data.commandUuid === commandUuid), []);
    assert.equal((await post({ request_type: 'DeviceLock', command_uuid: commandUuid, enrollment_ids: [udid], no_push: true })).status, 201);
    assert.deepStrictEqual(await post({ request_type: 'DeviceLock', command_uuid: commandUuid, enrollment_ids: [udid] }), {
      status: 409, body: { error: `enqueuing command: command UUID "${commandUuid}" already exists` },
    });
  });
});
