import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acknowledgedReport, errorReport, idleReport, notNowReport, statusReport, type SimulatedDevice } from '@espalier/shared/util-testing';
import { openCommandsHarness, type CommandsHarness, type Submitted } from './commands-harness';

/**
 * NanoMDM §7.2 "Consequences that tests must check", over real HTTP against
 * the checkin and commands services, with real Kafka and PostgreSQL. Each
 * served body is compared byte for byte with the enqueued bytes.
 */
describe('commands service: command delivery as NanoMDM §7.2', () => {
  let h: CommandsHarness;
  before(async () => {
    h = await openCommandsHarness();
  });
  after(() => h.close());

  async function enrolled(): Promise<{ device: SimulatedDevice; udid: string; send: (body: Buffer) => Promise<{ status: number; body: Buffer; headers: Headers }> }> {
    const device = h.device();
    const udid = await h.enroll(device);
    return { device, udid, send: (body) => device.report(h.commands.url, body) };
  }

  async function queue(udid: string, count: number): Promise<Submitted[]> {
    const out: Submitted[] = [];
    for (let i = 0; i < count; i++) {
      const submitted = await h.submit([udid]);
      await h.queued(submitted, 1);
      out.push(submitted);
    }
    return out;
  }

  const ids = (udid: string) => ({ ids: { udid } });
  const idle = (udid: string) => idleReport(ids(udid));
  const ack = (udid: string, c: Submitted) => acknowledgedReport({ ...ids(udid), commandUuid: c.commandUuid });
  const notNow = (udid: string, c: Submitted) => notNowReport({ ...ids(udid), commandUuid: c.commandUuid });

  function served(res: { status: number; body: Buffer; headers: Headers }, expected: Submitted | null, step: string): void {
    assert.equal(res.status, 200, `${step}: status`);
    if (expected === null) {
      assert.equal(res.body.length, 0, `${step}: expected an empty body, got ${res.body.toString()}`);
      assert.equal(res.headers.get('content-type'), null, `${step}: an empty 200 has no Content-Type`);
      return;
    }
    assert.ok(res.body.equals(expected.payload), `${step}: expected the exact enqueued bytes of ${expected.commandUuid}, got ${res.body.toString()}`);
    assert.equal(res.headers.get('content-type'), 'text/xml; charset=utf-8', `${step}: content type`);
  }

  it('Idle on an empty queue → 200 with an empty body', async () => {
    const d = await enrolled();
    served(await d.send(idle(d.udid)), null, 'Idle');
  });

  it('A, B queued: Idle → A; Ack A → B; Ack B → empty; Idle → empty', async () => {
    const d = await enrolled();
    const [a, b] = await queue(d.udid, 2);
    served(await d.send(idle(d.udid)), a, 'Idle');
    served(await d.send(ack(d.udid, a)), b, 'Ack A');
    served(await d.send(ack(d.udid, b)), null, 'Ack B');
    served(await d.send(idle(d.udid)), null, 'Idle again');
  });

  it('NotNow skips only in its own reply: [A, B]: Idle → A; NotNow A → B; Ack B → A; NotNow A → empty; Idle → A', async () => {
    const d = await enrolled();
    const [a, b] = await queue(d.udid, 2);
    served(await d.send(idle(d.udid)), a, 'Idle');
    served(await d.send(notNow(d.udid, a)), b, 'NotNow A');
    served(await d.send(ack(d.udid, b)), a, 'Ack B');
    served(await d.send(notNow(d.udid, a)), null, 'NotNow A again');
    served(await d.send(idle(d.udid)), a, 'next Idle');
  });

  it('[A]: Idle → A; NotNow A → empty; Idle → A; Ack A → empty', async () => {
    const d = await enrolled();
    const [a] = await queue(d.udid, 1);
    served(await d.send(idle(d.udid)), a, 'Idle');
    served(await d.send(notNow(d.udid, a)), null, 'NotNow A');
    served(await d.send(idle(d.udid)), a, 'Idle');
    served(await d.send(ack(d.udid, a)), null, 'Ack A');
  });

  it('a NotNow’d command keeps its queue position ahead of later commands', async () => {
    const d = await enrolled();
    const [a] = await queue(d.udid, 1);
    served(await d.send(idle(d.udid)), a, 'Idle');
    served(await d.send(notNow(d.udid, a)), null, 'NotNow A');
    const [b] = await queue(d.udid, 1);
    served(await d.send(idle(d.udid)), a, 'Idle after B was queued');
    served(await d.send(ack(d.udid, a)), b, 'Ack A');
  });

  it('Error, CommandFormatError and an unknown status finish a command like Acknowledged (no retry)', async () => {
    const d = await enrolled();
    const [a, b, c] = await queue(d.udid, 3);
    served(await d.send(idle(d.udid)), a, 'Idle');
    served(await d.send(errorReport({ ...ids(d.udid), commandUuid: a.commandUuid })), b, 'Error A');
    served(await d.send(statusReport('CommandFormatError', { ...ids(d.udid), commandUuid: b.commandUuid })), c, 'CommandFormatError B');
    served(await d.send(statusReport('SomethingNew', { ...ids(d.udid), commandUuid: c.commandUuid })), null, 'unknown status C');
    served(await d.send(idle(d.udid)), null, 'Idle: nothing comes back');
  });

  it('strict FIFO over many commands, one command per reply', async () => {
    const d = await enrolled();
    const all = await queue(d.udid, 6);
    served(await d.send(idle(d.udid)), all[0], 'Idle');
    for (let i = 0; i < all.length; i++) {
      served(await d.send(ack(d.udid, all[i])), all[i + 1] ?? null, `Ack ${i}`);
    }
  });
});
