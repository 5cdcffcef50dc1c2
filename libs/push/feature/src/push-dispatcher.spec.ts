import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { LogRecord } from '@espalier/contracts/event-log';
import type { ApnsClient, ApnsOutcome } from '@espalier/push/data-access-apns';
import type { PushTarget } from '@espalier/push/data-access-push';
import { DEFAULT_RETRY, PUSH_DATA_MISSING, type PushTrigger } from '@espalier/push/domain';
import { createLogger } from '@espalier/shared/util-logging';
import { PushDispatcher, type PushDispatcherDeps } from './push-dispatcher';

const T1 = 'com.apple.mgmt.External.one';
const NO_CERT = 'com.apple.mgmt.External.none';
const target = (deviceId: string, topic = T1): PushTarget => ({ deviceId, topic, tokenHex: `${deviceId.toLowerCase()}0`.padEnd(8, '0'), pushMagic: `M-${deviceId}`, invalid: false });
let ids = 0;
const uuid = () => `0190d0a0-0000-7000-8000-${String(++ids).padStart(12, '0')}`;
const requested = (enrollmentId: string, eventId: string): PushTrigger => ({ enrollmentId, deviceId: null, eventId, correlationId: `c-${eventId}`, kind: 'requested' });

/** A dispatcher over in-memory fakes: APNs answers by token from `answers` (in order, the last one repeating). */
function given(options: { targets: Record<string, PushTarget>; answers?: Record<string, ApnsOutcome[]>; chunk?: number; failAppend?: boolean; failFence?: boolean }) {
  const pushes: string[] = [];
  const appended: LogRecord[][] = [];
  const slept: number[] = [];
  const client = {
    async push({ token }: { token: string }): Promise<ApnsOutcome> {
      pushes.push(token);
      const scripted = options.answers?.[token] ?? [{ ok: true, apnsId: `ID-${token}` }];
      return scripted[Math.min(pushes.filter((t) => t === token).length - 1, scripted.length - 1)];
    },
  } as unknown as ApnsClient;
  const deps: PushDispatcherDeps = {
    fence: { catchUp: async () => { if (options.failFence) throw new Error('fence timed out'); } },
    targets: async (wanted) => new Map(wanted.flatMap((id) => (options.targets[id] ? [[id, options.targets[id]] as const] : []))),
    clients: {
      forTopics: async (topics) => ({
        clients: new Map([...topics].filter((t) => t !== NO_CERT).map((t) => [t, client])),
        unusable: new Map([...topics].filter((t) => t === NO_CERT).map((t) => [t, `no push certificate for topic "${t}"`])),
      }),
    },
    appender: {
      async append(records) {
        if (options.failAppend) throw new Error('broker down');
        appended.push([...records]);
        return [];
      },
    },
    logger: createLogger({ service: 'push', level: 'silent' }),
    ids: { clock: () => new Date('2025-06-01T12:00:00.000Z'), newId: uuid },
    send: { sleep: async (ms) => void slept.push(ms), random: () => 0 },
  };
  const dispatcher = new PushDispatcher(deps, { timeoutMs: 1_000, retry: DEFAULT_RETRY, chunk: options.chunk });
  const events = () => appended.flat().map((r) => JSON.parse(r.value.toString('utf8')) as { type: string; enrollmentId: string; deviceId: string; causationId: string; data: Record<string, unknown> });
  return { dispatcher, pushes, appended, slept, events };
}

describe('PushDispatcher', () => {
  it('pushes each enrollment once and records one outcome per request, caused by it', async () => {
    const { dispatcher, pushes, events } = given({ targets: { A: target('A'), B: target('B') } });
    const e1 = uuid();
    const e2 = uuid();
    await dispatcher.dispatch([requested('A', e1), requested('B', e1), requested('A', e2)]);
    assert.deepStrictEqual(pushes.sort(), [target('A').tokenHex, target('B').tokenHex].sort());
    assert.deepStrictEqual(
      events().map((e) => [e.type, e.enrollmentId, e.deviceId, e.causationId, e.data.apnsId]),
      [
        ['PushSent', 'A', 'A', e1, `ID-${target('A').tokenHex}`],
        ['PushSent', 'A', 'A', e2, `ID-${target('A').tokenHex}`],
        ['PushSent', 'B', 'B', e1, `ID-${target('B').tokenHex}`],
      ],
    );
  });

  it('fails what cannot be pushed without sending it', async () => {
    const { dispatcher, pushes, events } = given({ targets: { C: target('C', NO_CERT) } });
    const e = uuid();
    await dispatcher.dispatch([requested('C', e), requested('X', e)]);
    assert.deepStrictEqual(pushes, []);
    assert.deepStrictEqual(events().map((x) => [x.enrollmentId, x.data.reason, x.data.topic]), [
      ['C', `no push certificate for topic "${NO_CERT}"`, NO_CERT],
      ['X', PUSH_DATA_MISSING, null],
    ]);
  });

  it('retries 5xx with backoff and records the final answer; a 410 is not retried', async () => {
    const [a, b] = [target('A'), target('B')];
    const { dispatcher, pushes, slept, events } = given({
      targets: { A: a, B: b },
      answers: {
        [a.tokenHex]: [{ ok: false, status: 503, reason: 'ServiceUnavailable', timestamp: null }, { ok: true, apnsId: 'LATER' }],
        [b.tokenHex]: [{ ok: false, status: 410, reason: 'Unregistered', timestamp: 7 }],
      },
    });
    await dispatcher.dispatch([requested('A', uuid()), requested('B', uuid())]);
    assert.deepStrictEqual([pushes.filter((t) => t === a.tokenHex).length, pushes.filter((t) => t === b.tokenHex).length], [2, 1]);
    assert.deepStrictEqual(slept, [250]);
    assert.deepStrictEqual(events().map((e) => e.data), [
      { topic: T1, apnsId: 'LATER' },
      { topic: T1, status: 410, reason: 'Unregistered', apnsTimestamp: 7, token: b.tokenHex },
    ]);
  });

  it('works in slices: one read and one append per slice', async () => {
    const targets = Object.fromEntries(['A', 'B', 'C', 'D', 'E'].map((id) => [id, target(id)]));
    const { dispatcher, appended } = given({ targets, chunk: 2 });
    const e = uuid();
    await dispatcher.dispatch(Object.keys(targets).map((id) => requested(id, e)));
    assert.deepStrictEqual(appended.map((records) => records.length).sort(), [1, 2, 2]);
  });

  it('rejects when the projection cannot catch up or the log refuses the outcomes, so the triggers are seen again', async () => {
    const fenced = given({ targets: { A: target('A') }, failFence: true });
    await assert.rejects(fenced.dispatcher.dispatch([requested('A', uuid())]), /fence timed out/);
    assert.deepStrictEqual(fenced.pushes, [], 'nothing pushed on stale push data');
    const down = given({ targets: { A: target('A') }, failAppend: true });
    await assert.rejects(down.dispatcher.dispatch([requested('A', uuid())]), /broker down/);
  });
});
