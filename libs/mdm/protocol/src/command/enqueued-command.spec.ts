import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fx from '@espalier/shared/util-testing';
import { ProtocolError } from '../protocol.error';
import { decodeEnqueuedCommand } from './enqueued-command';

const is400 = (message: string) => (err: unknown) => err instanceof ProtocolError && err.status === 400 && err.message === message;
const commandUuid = '0D9C8B7A-6F5E-4D3C-A2B1-09F8E7D6C5B4';

describe('decodeEnqueuedCommand', () => {
  it('reads CommandUUID and Command.RequestType from XML and binary commands', () => {
    for (const binary of [false, true]) {
      const body = fx.commandPlist({ binary, commandUuid, requestType: 'InstallProfile', command: { Payload: Buffer.from('profile') } });
      assert.deepEqual(decodeEnqueuedCommand(body), { commandUuid, requestType: 'InstallProfile' });
    }
  });

  it('requires a non-empty CommandUUID', () => {
    assert.throws(() => decodeEnqueuedCommand(fx.writeXmlPlist({ Command: { RequestType: 'DeviceLock' } })), is400('decoding command: empty CommandUUID'));
    assert.throws(() => decodeEnqueuedCommand(fx.commandPlist({ commandUuid: '', requestType: 'DeviceLock' })), is400('decoding command: empty CommandUUID'));
  });

  it('requires Command to be a dict with a non-empty RequestType', () => {
    assert.throws(() => decodeEnqueuedCommand(fx.writeXmlPlist({ CommandUUID: commandUuid })), is400('decoding command: missing Command dict'));
    assert.throws(() => decodeEnqueuedCommand(fx.writeXmlPlist({ CommandUUID: commandUuid, Command: 'DeviceLock' })), is400('decoding command: "Command" must be dict, got string'));
    assert.throws(() => decodeEnqueuedCommand(fx.commandPlist({ commandUuid, requestType: '' })), is400('decoding command: empty RequestType'));
    assert.throws(() => decodeEnqueuedCommand(fx.writeXmlPlist({ CommandUUID: commandUuid, Command: { RequestType: 1 } })), is400('decoding command: "RequestType" must be string, got integer'));
  });

  it('rejects a body that is not a plist dict', () => {
    assert.throws(() => decodeEnqueuedCommand(Buffer.from('{"CommandUUID":"x"}')), (err: unknown) => err instanceof ProtocolError && err.status === 400);
  });
});
