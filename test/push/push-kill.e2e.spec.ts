import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitUntil } from '@espalier/shared/util-testing';
import { openPushHarness, type PushHarness } from './push-harness';

const TARGETS = 3_000;
/** Slow enough (50 in flight, 20 ms each: ~2,500 pushes/s) that the kill lands mid fan-out. */
const SLOW_APNS = { ESPALIER_APNS_IN_FLIGHT: '50' };

describe('push service killed mid fan-out', () => {
  let h: PushHarness;

  before(async () => {
    h = await openPushHarness(SLOW_APNS);
  });
  after(async () => {
    await h?.close();
  });

  it('after SIGKILL and a restart, every requested push is sent or reported failed (at-least-once)', async (t) => {
    const topic = `com.apple.mgmt.External.${randomUUID()}`;
    await h.uploadCertificate(topic);
    const targets = await h.tokenUpdates(topic, TARGETS);
    const tokens = new Set(targets.map((x) => x.token));
    const atApns = () => h.apns.requests.filter((r) => tokens.has(r.deviceToken ?? '')).length;
    h.apns.reply(() => sleep(20).then(() => ({ status: 200 as const })));

    const requested = await h.requestPush(targets.map((x) => x.enrollmentId));
    await waitUntil('the fan-out under way', () => atApns() >= TARGETS / 3, 60_000, 2);
    h.push.child.kill('SIGKILL');
    const sentBeforeKill = atApns();
    assert.ok(sentBeforeKill < TARGETS, `the kill came after the fan-out ended (${sentBeforeKill} pushes)`);
    await h.restartPush('SIGKILL', SLOW_APNS);

    // The killed member's partitions move once its session times out (10 s); then the request is seen again.
    await waitUntil('an outcome for every target', () => new Set(h.outcomes(requested).map((o) => o.enrollmentId)).size >= TARGETS, 120_000, 50);
    await h.pushEvents.catchUp();
    const outcomes = h.outcomes(requested);
    assert.deepStrictEqual(new Set(outcomes.map((o) => o.type)), new Set(['PushSent']));
    const pushed = new Set(h.apns.requests.filter((r) => tokens.has(r.deviceToken ?? '')).map((r) => r.deviceToken));
    assert.equal(pushed.size, TARGETS, 'every token reached APNs');
    const duplicatePushes = atApns() - TARGETS;
    const duplicateOutcomes = outcomes.length - TARGETS;
    t.diagnostic(`${TARGETS} targets; ${sentBeforeKill} pushed before SIGKILL; after restart: ${duplicatePushes} duplicate pushes, ${duplicateOutcomes} duplicate outcome events`);
    assert.ok(duplicatePushes >= 0 && duplicateOutcomes >= 0);
  });
});
