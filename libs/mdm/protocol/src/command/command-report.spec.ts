import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as fx from '@espalier/shared/util-testing';
import { ProtocolError } from '../protocol.error';
import { decodeCommandReport } from './command-report';

const udid = fx.FIXTURE_IDS.macosDevice.udid;
const commandUuid = '6F1A2B3C-4D5E-4F60-8172-A3B4C5D6E7F8';
const is400 = (message: string) => (err: unknown) => err instanceof ProtocolError && err.status === 400 && err.message === message;

for (const binary of [false, true]) {
  describe(`decodeCommandReport (${binary ? 'binary' : 'XML'})`, () => {
    it('decodes Idle without a CommandUUID', () => {
      assert.deepEqual(decodeCommandReport(fx.idleReport({ binary })), { ids: { udid }, commandUuid: '', status: 'Idle' });
    });

    it('decodes Acknowledged and NotNow, ignoring everything else in the body', () => {
      const acknowledged = fx.acknowledgedReport({ binary, commandUuid, requestType: 'DeviceInformation', queryResponses: { DeviceName: 'Mac', BatteryLevel: fx.real(0.5) } });
      assert.deepEqual(decodeCommandReport(acknowledged), { ids: { udid }, commandUuid, status: 'Acknowledged' });
      assert.deepEqual(decodeCommandReport(fx.notNowReport({ binary, commandUuid })), { ids: { udid }, commandUuid, status: 'NotNow' });
    });

    it('decodes Error with its ErrorChain', () => {
      const body = fx.errorReport({ binary, commandUuid, errorChain: [{ errorCode: 12021, errorDomain: 'MCInstallationErrorDomain', usEnglishDescription: 'Profile not found' }, { errorCode: -1, errorDomain: 'D' }] });
      assert.deepEqual(decodeCommandReport(body), {
        ids: { udid },
        commandUuid,
        status: 'Error',
        errorChain: [
          { errorCode: 12021, errorDomain: 'MCInstallationErrorDomain', usEnglishDescription: 'Profile not found' },
          { errorCode: -1, errorDomain: 'D' },
        ],
      });
    });

    it('decodes a user-channel report', () => {
      assert.deepEqual(decodeCommandReport(fx.idleReport({ binary, ids: fx.FIXTURE_IDS.userEnrollmentUser })).ids, fx.FIXTURE_IDS.userEnrollmentUser);
    });
  });
}

describe('decodeCommandReport: errors', () => {
  it('rejects a missing or empty Status with a 400', () => {
    assert.throws(() => decodeCommandReport(fx.idleReport({ extra: { Status: undefined } })), is400('decoding command report: empty Status'));
    assert.throws(() => decodeCommandReport(fx.idleReport({ extra: { Status: '' } })), is400('decoding command report: empty Status'));
  });

  it('rejects wrongly typed known keys, naming them', () => {
    assert.throws(() => decodeCommandReport(fx.idleReport({ extra: { Status: 1 } })), is400('decoding command report: "Status" must be string, got integer'));
    assert.throws(() => decodeCommandReport(fx.notNowReport({ commandUuid, extra: { CommandUUID: Buffer.from('x') } })), is400('decoding command report: "CommandUUID" must be string, got data'));
    assert.throws(() => decodeCommandReport(fx.idleReport({ extra: { UDID: 5 } })), is400('decoding command report: "UDID" must be string, got integer'));
    assert.throws(() => decodeCommandReport(fx.idleReport({ extra: { ErrorChain: 'x' } })), is400('decoding command report: "ErrorChain" must be array, got string'));
    assert.throws(() => decodeCommandReport(fx.idleReport({ extra: { ErrorChain: ['x'] } })), is400('decoding command report: ErrorChain[0] must be a dict'));
    const badCode = fx.idleReport({ extra: { ErrorChain: [{ ErrorCode: 'four', ErrorDomain: 'D' }] } });
    assert.throws(() => decodeCommandReport(badCode), is400('decoding command report: ErrorChain[0]: "ErrorCode" must be integer, got string'));
  });

  it('rejects bodies that are not a plist dict', () => {
    assert.throws(() => decodeCommandReport(Buffer.from('')), (err: unknown) => err instanceof ProtocolError && err.status === 400);
    assert.throws(() => decodeCommandReport(fx.writeXmlPlist('Idle')), is400('decoding command report: top level must be a dict, got string'));
  });
});
