import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'plist';
import { decodeEnqueuedCommand } from '@espalier/mdm/protocol';
import { parseJsonCommand, requestTypes } from './index';

const uuid = () => '4F1C2B7E-0000-4000-A000-000000000001';
const errorsOf = (input: unknown) => {
  const parsed = parseJsonCommand(input, uuid);
  return 'errors' in parsed ? parsed.errors : [];
};

describe('JSON commands', () => {
  it('knows Apple\'s commands', () => {
    for (const type of ['DeviceLock', 'EraseDevice', 'InstallProfile', 'Settings', 'DeviceInformation', 'InstallApplication']) assert.ok(requestTypes().includes(type), type);
  });

  it('converts a valid command to the equivalent plist', () => {
    const parsed = parseJsonCommand({ request_type: 'DeviceLock', Message: 'Lost <phone> & found', PhoneNumber: '555', enrollment_ids: ['A', 'B', 'A'] }, uuid);
    assert.ok(!('errors' in parsed), JSON.stringify(parsed));
    assert.deepStrictEqual(parse(parsed.plist.toString('utf8')), { CommandUUID: uuid(), Command: { RequestType: 'DeviceLock', Message: 'Lost <phone> & found', PhoneNumber: '555' } });
    assert.deepStrictEqual(parsed.targets, { enrollmentIds: ['A', 'B'] });
    assert.deepStrictEqual(decodeEnqueuedCommand(parsed.plist), { commandUuid: uuid(), requestType: 'DeviceLock' });
  });

  it('converts data from base64, dates, nested dictionaries and heterogeneous arrays', () => {
    const profile = Buffer.from('<plist>profile</plist>');
    const install = parseJsonCommand({ request_type: 'InstallProfile', Payload: profile.toString('base64'), selector: { all: true }, command_uuid: 'MY-UUID', no_push: true }, uuid);
    assert.ok(!('errors' in install), JSON.stringify(install));
    assert.deepStrictEqual(parse(install.plist.toString('utf8')), { CommandUUID: 'MY-UUID', Command: { RequestType: 'InstallProfile', Payload: profile } });
    assert.deepStrictEqual([install.targets, install.noPush], [{ selector: { all: true } }, true]);

    const settings = parseJsonCommand({ request_type: 'Settings', Settings: [{ Item: 'DataRoaming', Enabled: false }, { Item: 'Bluetooth', Enabled: true }], enrollment_ids: ['A'] }, uuid);
    assert.ok(!('errors' in settings), JSON.stringify(settings));
    assert.deepStrictEqual((parse(settings.plist.toString('utf8')) as { Command: { Settings: unknown } }).Command.Settings, [{ Item: 'DataRoaming', Enabled: false }, { Item: 'Bluetooth', Enabled: true }]);
  });

  it('names every wrong field', () => {
    assert.deepStrictEqual(errorsOf({ request_type: 'DeviceLock', Message: 7, Color: 'red', enrollment_ids: ['A'] }), ['Message: must be a string', 'Color: not a key of DeviceLock']);
    assert.deepStrictEqual(errorsOf({ request_type: 'InstallProfile', selector: { topic: 'com.apple.mgmt.X' } }), ['Payload: required']);
    assert.deepStrictEqual(errorsOf({ request_type: 'InstallProfile', Payload: 'not base64!', selector: { all: true } }), ['Payload: must be base64 data']);
    assert.match(errorsOf({ request_type: 'Settings', Settings: [{ Item: 'Nope' }], enrollment_ids: ['A'] })[0], /^Settings\[0\]: matches none of Wallpaper, DataRoaming, /);
    assert.deepStrictEqual(errorsOf({ request_type: 'Unlock', enrollment_ids: ['A'] }), ['request_type: unknown request type "Unlock"']);
    assert.deepStrictEqual(errorsOf({ request_type: 'DeviceLock' }), ['enrollment_ids or selector: exactly one is required']);
    assert.deepStrictEqual(errorsOf({ request_type: 'DeviceLock', selector: { everything: true } }), ['selector: must be {"all": true}, {"topic": "<push topic>"} or {"type": "<enrollment type>"}']);
    assert.deepStrictEqual(errorsOf([1]), ['(body): must be a JSON object']);
  });
});
