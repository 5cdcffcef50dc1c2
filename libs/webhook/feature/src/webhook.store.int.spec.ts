import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import { createPool, ident, migrateService } from '@espalier/shared/data-access-postgres';
import { testInfra, uniqueName } from '@espalier/shared/util-testing';
import { webhookMigrations } from './webhook.migrations';
import { WebhookStore, type TallyEvent } from './webhook.store';

const D = 'DEVICE-1';
const U = `${D}:USER-1`;
const ev = (offset: number, type: string, enrollmentId = D): TallyEvent => ({ type, enrollmentId, deviceId: D, offset: String(offset) });

describe('WebhookStore against PostgreSQL', () => {
  let pool: Pool;
  const schemas: string[] = [];
  const store = async () => {
    const s = uniqueName('webhook_t');
    schemas.push(s);
    await migrateService(pool, { schema: s, migrations: webhookMigrations, projections: [] });
    return new WebhookStore(pool, s);
  };

  before(() => {
    pool = createPool({ connectionString: testInfra().databaseUrl, applicationName: 'webhook-store-test', max: 4 });
  });
  after(async () => {
    for (const s of schemas) await pool.query(`DROP SCHEMA IF EXISTS ${ident(s)} CASCADE`);
    await pool.end();
  });

  it('records where delivery begins on the first start only', async () => {
    const s = await store();
    await s.initDeliveryStart('mdm.command', [{ partition: 0, high: '120', low: '0' }, { partition: 1, high: '7', low: '0' }]);
    await s.initDeliveryStart('mdm.command', [{ partition: 0, high: '500', low: '0' }, { partition: 1, high: '900', low: '0' }, { partition: 2, high: '9', low: '0' }]);
    assert.deepEqual([await s.deliveryStart('mdm.command', 0), await s.deliveryStart('mdm.command', 1)], [120n, 7n]);
    assert.equal(await s.deliveryStart('mdm.command', 2), 0n, 'a partition added later is delivered from its start');
  });

  it('commits tallies with the checkpoint once: a batch delivered again changes nothing', async () => {
    const s = await store();
    assert.equal(await s.checkpoint('mdm.enrollment', 3), -1n);
    const batch = [ev(10, 'TokenUpdated'), ev(11, 'TokenUpdated', U), ev(12, 'TokenUpdated')];
    await s.commit('mdm.enrollment', 3, 12n, batch);
    await s.commit('mdm.enrollment', 3, 12n, batch);
    assert.equal(await s.checkpoint('mdm.enrollment', 3), 12n);
    const read = async () => Object.fromEntries([...(await s.tallies([D]))].map(([id, e]) => [id, e.tally]));
    assert.deepEqual(await read(), { [D]: 2, [U]: 1 });
    // A batch overlapping the checkpoint (a rebalance): only what follows it is applied.
    await s.commit('mdm.enrollment', 3, 14n, [ev(12, 'TokenUpdated'), ev(13, 'TokenUpdated', U), ev(14, 'EnrollmentAuthenticated')]);
    assert.deepEqual(await read(), { [D]: 0, [U]: 0 });
    assert.deepEqual(await s.startOffsets('mdm.enrollment', [3, 4]), new Map([[3, '15'], [4, '0']]));
  });
});
