import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LogAppender } from '@espalier/contracts/event-log';
import { decodeEvent } from '@espalier/contracts/events';
import type { QueueStateReader, ReportStateRow } from '@espalier/commands/data-access-queue';
import { DeviceCertError, type DeviceAuthenticator } from '@espalier/mdm/device-auth';
import { uuidv7 } from '@espalier/shared/util-ids';
import { createLogger } from '@espalier/shared/util-logging';
import { acknowledgedReport, idleReport } from '@espalier/shared/util-testing';
import { ReportService, type ReadFence } from './report.service';

const UDID = '5F1C4A2B-3D4E-4F50-8A9B-0C1D2E3F4A5B';
const HASH = 'cd'.repeat(32);
const COMMAND = Buffer.from('<?xml version="1.0"?><plist version="1.0"><dict><key>CommandUUID</key><string>B</string></dict></plist>');
const associated: ReportStateRow = { association: { withThisDevice: true, hashOwners: [UDID], deviceHasAny: true }, commandKnown: true, next: null };

interface Fakes {
  fence?: ReadFence['catchUp'];
  state?: ReportStateRow;
  append?: LogAppender['append'];
  authenticate?: DeviceAuthenticator['authenticate'];
}

/** The service with its ports faked: what it does with their answers and their failures. */
function service(fakes: Fakes = {}, dump?: string[]) {
  const appended: Buffer[] = [];
  const svc = new ReportService(
    {
      authenticator: { authenticate: fakes.authenticate ?? (async () => ({ hash: HASH })) } as unknown as DeviceAuthenticator,
      fence: { catchUp: fakes.fence ?? (async () => undefined) },
      reader: { reportState: async () => fakes.state ?? associated } as unknown as QueueStateReader,
      appender: {
        append:
          fakes.append ??
          (async (records) => {
            appended.push(...records.map((r) => r.value));
            return records.map((_, i) => ({ topic: 'mdm.command', partition: 0, offset: String(i) }));
          }),
      },
      logger: createLogger({ service: 'commands', level: 'silent' }),
      clock: () => new Date('2026-01-02T03:04:05Z'),
      newId: uuidv7,
      dumpTo: (chunk) => void dump?.push(chunk.toString()),
    },
    { retro: false, deleteAnswered: false, timeoutMs: 200, dump: dump !== undefined },
  );
  return { svc, appended };
}

const request = (body: Buffer) => ({ headers: { 'mdm-signature': 'x' }, body });

describe('ReportService', () => {
  it('answers with the next command’s exact bytes after the report and the delivery are appended', async () => {
    const { svc, appended } = service({ state: { ...associated, next: { commandUuid: 'B', payload: COMMAND } } });
    const reply = await svc.handle(request(acknowledgedReport({ ids: { udid: UDID }, commandUuid: 'A' })));
    assert.equal(reply.status, 200);
    assert.ok(reply.body.equals(COMMAND));
    const events = appended.map((value) => decodeEvent({ value, headers: {} }));
    assert.deepEqual(events.map((e) => e.type), ['CommandReported', 'CommandDelivered']);
  });

  it('answers 503 and records nothing when the log cannot be caught up with (broker down, projection behind)', async () => {
    const { svc, appended } = service({ fence: async () => Promise.reject(new Error('broker down')) });
    assert.equal((await svc.handle(request(idleReport({ ids: { udid: UDID } })))).status, 503);
    assert.equal(appended.length, 0);
  });

  it('answers 503 when the append fails or hangs past the timeout: never 200 for a report not in the log', async () => {
    const failing = service({ append: async () => Promise.reject(new Error('not enough replicas')) });
    assert.equal((await failing.svc.handle(request(idleReport({ ids: { udid: UDID } })))).status, 503);
    const hanging = service({ append: () => new Promise(() => undefined) });
    assert.equal((await hanging.svc.handle(request(idleReport({ ids: { udid: UDID } })))).status, 503);
  });

  it('answers 413 when the log refuses the record for its size', async () => {
    const tooLarge = Object.assign(new Error('message too large'), { type: 'MESSAGE_TOO_LARGE' });
    const { svc } = service({ append: async () => Promise.reject(tooLarge) });
    assert.equal((await svc.handle(request(idleReport({ ids: { udid: UDID } })))).status, 413);
  });

  it('answers 400 for a certificate problem, before reading any state', async () => {
    let fenced = false;
    const { svc } = service({
      authenticate: async () => Promise.reject(new DeviceCertError('verifying device certificate: missing MDM certificate')),
      fence: async () => void (fenced = true),
    });
    assert.equal((await svc.handle(request(idleReport({ ids: { udid: UDID } })))).status, 400);
    assert.equal(fenced, false);
  });

  it('-dump writes the raw report to stdout first, even one that is then refused', async () => {
    const dump: string[] = [];
    const { svc } = service({ authenticate: async () => Promise.reject(new DeviceCertError('bad')) }, dump);
    const body = idleReport({ ids: { udid: UDID } });
    await svc.handle(request(body));
    assert.deepEqual(dump, [`${body.toString()}\n`]);
  });
});
