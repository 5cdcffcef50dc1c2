import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { enrollmentsProjection } from '@espalier/checkin/data-access-enrollments';
import { replayProjection } from '@espalier/shared/data-access-postgres';
import {
  infraCommand,
  localInfraControls,
  macosAuthenticate,
  macosTokenUpdate,
  macosUserTokenUpdate,
  recordingLogger,
  setBootstrapToken,
  checkOut,
  exitWhenDone,
} from '@espalier/shared/util-testing';
import type { ServiceProcess } from '../services/service-process';
import { openCheckinHarness, uniqueIds, type CheckinHarness } from './checkin-harness';

const controls = localInfraControls();

// This file restarts the broker: see exitWhenDone.
exitWhenDone();

describe('check-in service: replay and outages', () => {
  let h: CheckinHarness;
  let svc: ServiceProcess;
  before(async () => {
    h = await openCheckinHarness();
    svc = await h.start();
  });
  after(async () => {
    if (controls.kafka) await infraCommand('kafka-start');
    if (controls.postgres) await infraCommand('postgres-start');
    await h.close();
  });

  it('replaying the enrollment projection from offset 0 reproduces the live tables exactly', async () => {
    for (let i = 0; i < 5; i++) {
      const ids = uniqueIds({ udid: 'x', userId: 'y', userShortName: `u${i}`, userLongName: `User ${i}` });
      const device = h.device();
      for (const body of [
        macosAuthenticate({ ids: { udid: ids.udid } }),
        macosTokenUpdate({ ids: { udid: ids.udid } }),
        macosUserTokenUpdate({ ids }),
        setBootstrapToken({ ids: { udid: ids.udid } }),
        ...(i % 2 === 0 ? [checkOut({ ids: { udid: ids.udid } })] : [macosTokenUpdate({ ids: { udid: ids.udid } })]),
      ]) {
        assert.equal((await device.checkin(svc.url, body)).status, 200);
      }
    }
    const report = await replayProjection(enrollmentsProjection('checkin'), { pool: h.pool, log: h.log, logger: recordingLogger() }, { maxAttempts: 3 });
    assert.equal(report.equal, true, JSON.stringify(report.tables));
    assert.deepEqual(report.tables.map((t) => t.table).sort(), ['cert_associations', 'devices', 'enrollments', 'reports_seen', 'users']);
    // reports_seen fills only from command reports, which this file does not send.
    assert.ok(report.tables.filter((t) => t.table !== 'reports_seen').every((t) => t.liveRows > 0));
  });

  it('answers 503 quickly while Kafka is down, records nothing, and works again after', { skip: controls.kafka ? false : 'the broker is not the local one' }, async () => {
    const ids = uniqueIds({ udid: 'x' });
    const device = h.device();
    assert.equal((await device.checkin(svc.url, macosAuthenticate({ ids }))).status, 200);
    await infraCommand('kafka-stop');
    const started = Date.now();
    const res = await device.checkin(svc.url, macosTokenUpdate({ ids }));
    const took = Date.now() - started;
    await infraCommand('kafka-start');
    assert.equal(res.status, 503);
    assert.ok(took < 15_000, `answered within the catch-up timeout, took ${took} ms`);
    // No assertion on the refused append's fate: the producer may still deliver it once the
    // broker is back (at-least-once; the device's retry is then a second TokenUpdate, tally 2).
    let again = await device.checkin(svc.url, macosTokenUpdate({ ids }));
    for (let i = 0; again.status === 503 && i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      again = await device.checkin(svc.url, macosTokenUpdate({ ids }));
    }
    assert.equal(again.status, 200);
  });

  it('answers 503 while PostgreSQL is down and works again after', { skip: controls.postgres ? false : 'the database is not the local one' }, async () => {
    const ids = uniqueIds({ udid: 'x' });
    const device = h.device();
    assert.equal((await device.checkin(svc.url, macosAuthenticate({ ids }))).status, 200);
    await infraCommand('postgres-stop');
    const started = Date.now();
    const res = await device.checkin(svc.url, macosTokenUpdate({ ids }));
    const took = Date.now() - started;
    await infraCommand('postgres-start');
    assert.equal(res.status, 503);
    assert.ok(took < 15_000, `took ${took} ms`);
    let again = await device.checkin(svc.url, macosTokenUpdate({ ids }));
    for (let i = 0; again.status === 503 && i < 40; i++) {
      await new Promise((r) => setTimeout(r, 500));
      again = await device.checkin(svc.url, macosTokenUpdate({ ids }));
    }
    assert.equal(again.status, 200);
    const { rows } = await h.pool.query('SELECT token_update_tally FROM checkin.enrollments WHERE id = $1', [ids.udid]);
    assert.equal(rows[0].token_update_tally, 1, 'the refused TokenUpdate left nothing behind');
  });
});
