import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { createPool, ident, migrateService } from '@espalier/shared/data-access-postgres';
import { SecretBox } from '@espalier/shared/util-crypto';
import { testInfra, uniqueName } from '@espalier/shared/util-testing';
import { applyToTallies } from '@espalier/webhook/domain';
import { OutboxStore, type OutboxEntry } from './outbox.store';
import { webhookMigrations } from './webhook.migrations';
import { WebhookStore } from './webhook.store';

const D = 'DEVICE-1';
const U = `${D}:USER-1`;
const box = new SecretBox({ keyId: 'k1', key: Buffer.alloc(32, 3) });

function entry(eventId: string, topic: string, offset: number, at: string, deviceId = D): OutboxEntry {
  return {
    eventId, deviceId, occurredAt: at, webhookTopic: 'mdm.Connect', body: box.seal(Buffer.from(`{"e":"${eventId}"}`), eventId),
    gate: { topic: topic === 'mdm.command' ? 'mdm.enrollment' : 'mdm.command', partition: 1 },
    record: { topic, partition: 1, offset: String(offset), key: deviceId, value: Buffer.from([0, 1, 2]), headers: { 'espalier-type': 'X' }, timestamp: '1700000000000' },
  };
}

describe('WebhookStore and OutboxStore against PostgreSQL', () => {
  let pool: Pool;
  const schemas: string[] = [];
  const stores = async () => {
    const s = uniqueName('webhook_t');
    schemas.push(s);
    await migrateService(pool, { schema: s, migrations: webhookMigrations, projections: [] });
    return { store: new WebhookStore(pool, s), outbox: new OutboxStore(pool, s) };
  };

  before(() => {
    pool = createPool({ connectionString: testInfra().databaseUrl, applicationName: 'webhook-store-test', max: 4 });
  });
  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`);
    await pool.end();
  });

  it('records where delivery begins on the first start only', async () => {
    const { store: s } = await stores();
    await s.initDeliveryStart('mdm.command', [{ partition: 0, high: '120', low: '0' }, { partition: 1, high: '7', low: '0' }]);
    await s.initDeliveryStart('mdm.command', [{ partition: 0, high: '500', low: '0' }, { partition: 1, high: '900', low: '0' }, { partition: 2, high: '9', low: '0' }]);
    assert.deepEqual([await s.deliveryStart('mdm.command', 0), await s.deliveryStart('mdm.command', 1)], [120n, 7n]);
    assert.equal(await s.deliveryStart('mdm.command', 2), 0n, 'a partition added later is delivered from its start');
  });

  it('ingests a batch once: tallies, outbox rows and checkpoint in one transaction; a batch delivered again changes nothing', async () => {
    const { store: s, outbox } = await stores();
    assert.equal(await s.checkpoint('mdm.enrollment', 3), -1n);
    const batch = async (last: number, offsets: number[]) =>
      s.ingest('mdm.enrollment', 3, BigInt(last), async (tx, checkpoint) => {
        const fresh = offsets.filter((o) => BigInt(o) > checkpoint);
        const tallies = await s.tallies([D], tx);
        for (const o of fresh) applyToTallies(tallies, { type: 'TokenUpdated', enrollmentId: o === 11 ? U : D, deviceId: D });
        await s.storeTallies(tx, tallies);
        await outbox.enqueue(tx, fresh.map((o) => entry(`e${o}`, 'mdm.enrollment', o, `2026-01-01T00:00:${o}Z`)));
      });
    await batch(12, [10, 11, 12]);
    await batch(12, [10, 11, 12]);
    assert.equal(await s.checkpoint('mdm.enrollment', 3), 12n);
    const read = async () => Object.fromEntries([...(await s.tallies([D]))].map(([id, e]) => [id, e.tally]));
    assert.deepEqual(await read(), { [D]: 2, [U]: 1 });
    // A batch overlapping the checkpoint (a rebalance): only what follows it is applied.
    await batch(13, [12, 13]);
    assert.deepEqual(await read(), { [D]: 3, [U]: 1 });
    assert.deepEqual((await outbox.heads()).map((h) => h.eventId), ['e10'], 'the device has one head on its topic');
    assert.deepEqual(await s.startOffsets('mdm.enrollment', [3, 4]), new Map([[3, '14'], [4, '0']]));
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM ${ident(schemas[schemas.length - 1])}.outbox`);
    assert.equal(rows[0].n, 4);
  });

  it('leases a head once, never a later row of its topic, and keeps the record and sealed body for delivery', async () => {
    const { store: s, outbox } = await stores();
    await s.ingest('mdm.command', 1, 6n, async (tx) => {
      await outbox.enqueue(tx, [entry('c5', 'mdm.command', 5, '2026-01-01T00:00:05.5Z'), entry('c6', 'mdm.command', 6, '2026-01-01T00:00:06Z'), entry('x5', 'mdm.command', 5, '2026-01-01T00:00:01Z', 'OTHER')]);
    });
    const heads = await outbox.heads();
    assert.deepEqual(heads.map((h) => [h.eventId, h.occurredAt, h.gate.topic, h.leasedUntil]).sort(), [
      ['c5', Date.parse('2026-01-01T00:00:05.5Z'), 'mdm.enrollment', null],
      ['x5', Date.parse('2026-01-01T00:00:01Z'), 'mdm.enrollment', null],
    ]);
    const now = new Date();
    const until = new Date(now.getTime() + 60_000);
    const [claimed, ...none] = await outbox.claim(['c5', 'c6'], now, until);
    assert.deepEqual(none, [], 'c6 is not its topic\'s first row of the device');
    assert.equal(claimed.eventId, 'c5');
    assert.deepEqual(box.open(claimed.body, 'c5'), Buffer.from('{"e":"c5"}'));
    assert.deepEqual(claimed.record, entry('c5', 'mdm.command', 5, '').record);
    assert.deepEqual(await outbox.claim(['c5'], now, until), [], 'leased already');
    await outbox.retryAt({ eventId: 'c5', leaseId: 'not-its-lease' }, 1, new Date(now.getTime() + 5_000));
    const untouched = (await outbox.heads()).find((h) => h.eventId === 'c5');
    assert.deepEqual([untouched?.leasedUntil, untouched?.nextAttemptAt], [until.getTime(), 0], 'a write under another lease changes nothing');
    await outbox.retryAt(claimed, 1, new Date(now.getTime() + 5_000));
    const retried = (await outbox.heads()).find((h) => h.eventId === 'c5');
    assert.deepEqual([retried?.leasedUntil, retried?.nextAttemptAt], [null, now.getTime() + 5_000]);
    assert.deepEqual(await outbox.claim(['c5'], now, until), [], 'waiting for its retry');
    const later = new Date(now.getTime() + 5_000);
    const [again] = await outbox.claim(['c5'], later, until);
    assert.equal(again.attempts, 1);
    await outbox.remove(claimed);
    assert.equal((await outbox.heads()).some((h) => h.eventId === 'c5'), true, 'the old lease removes nothing');
    await outbox.remove(again);
    assert.deepEqual((await outbox.heads()).map((h) => h.eventId).sort(), ['c6', 'x5']);
  });

  it('moves watermarks forward only', async () => {
    const { outbox } = await stores();
    await outbox.advanceWatermarks('mdm.command', [0, 1], new Date(2_000));
    await outbox.advanceWatermarks('mdm.command', [1], new Date(1_000));
    await outbox.advanceWatermarks('mdm.command', [0], new Date(3_000));
    assert.deepEqual(await outbox.watermarks(), new Map([['mdm.command/0', 3_000], ['mdm.command/1', 2_000]]));
  });
});
