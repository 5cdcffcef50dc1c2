import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { FIXTURE_TOPIC, macosAuthenticate, macosTokenUpdate, fixtureToken, waitUntil, type SimulatedDevice } from '@espalier/shared/util-testing';
import { openPushHarness, type Outcome, type PushHarness } from './push-harness';

const newTopic = () => `com.apple.mgmt.External.${randomUUID()}`;
const reasons = (outcomes: Outcome[]) => outcomes.map((o) => (o.type === 'PushSent' ? 'sent' : `${o.data.status ?? '-'} ${o.data.reason}`));

describe('push service against a fake APNs, with real Kafka and PostgreSQL', () => {
  let h: PushHarness;

  before(async () => {
    h = await openPushHarness();
  });
  after(async () => {
    await h?.close();
  });

  it('pushes an enrolled device: path, headers, payload and client certificate are right, and PushSent carries the apns-id', async () => {
    // Enrolled through the real checkin service: push data comes from its TokenUpdated.
    const device: SimulatedDevice = h.device();
    const udid = randomUUID().toUpperCase();
    const token = fixtureToken(udid).toString('hex');
    const pushMagic = randomUUID().toUpperCase();
    for (const body of [macosAuthenticate({ ids: { udid } }), macosTokenUpdate({ ids: { udid }, token: Buffer.from(token, 'hex'), pushMagic })]) {
      assert.equal((await device.checkin(h.checkin.url, body)).status, 200);
    }
    const cert = await h.uploadCertificate(FIXTURE_TOPIC);
    h.apns.reply(() => ({ status: 200, apnsId: 'E2E-APNS-ID-1' }));

    const requested = await h.requestPush([udid]);
    const [outcome] = await h.waitOutcomes(requested, 1);
    assert.equal(outcome.type, 'PushSent');
    assert.deepStrictEqual(outcome.data, { topic: FIXTURE_TOPIC, apnsId: 'E2E-APNS-ID-1' });
    assert.deepStrictEqual([outcome.enrollmentId, outcome.deviceId, outcome.source, outcome.causationId], [udid, udid, 'push', requested]);

    const [req] = h.pushesTo(token);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, `/3/device/${token}`);
    assert.equal(req.body, JSON.stringify({ mdm: pushMagic }));
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.headers['apns-topic'], FIXTURE_TOPIC);
    assert.equal(req.headers['apns-push-type'], 'mdm');
    assert.equal(req.headers['apns-priority'], '10');
    assert.equal(req.headers['apns-expiration'], undefined, 'no expiration unless configured');
    assert.equal(req.topic, FIXTURE_TOPIC);
    assert.equal(req.certificateFingerprint, cert.fingerprint);
    h.apns.reply(() => ({ status: 200 }));
  });

  it('a command queued by the commands service pushes its device; a nopush submission does not', async () => {
    const device = h.device();
    const udid = await h.enroll(device);
    await h.uploadCertificate(FIXTURE_TOPIC);
    const silent = await h.submit([udid], { noPush: true });
    const loud = await h.submit([udid]);
    const [{ queued: [silentQueued] }, { queued: [loudQueued] }] = [await h.decision(silent.submissionId, 1), await h.decision(loud.submissionId, 1)];

    const [outcome] = await h.waitOutcomes(loudQueued.eventId, 1);
    assert.equal(outcome.type, 'PushSent');
    assert.equal(outcome.enrollmentId, udid);
    // Had the nopush command triggered a push, the push would answer it (the first trigger of the window) or come on its own.
    assert.deepStrictEqual(h.outcomes(silentQueued.eventId), []);
  });

  it('a burst of queued commands for one device makes one push, and every submission and request gets its answer', async () => {
    const topic = newTopic();
    await h.uploadCertificate(topic);
    const target = await h.tokenUpdate(topic);
    const queued = await h.queueCommands(target, 20);
    await h.waitOutcomes(queued[0], 1);
    await h.pushEvents.catchUp();
    const pushes = h.pushesTo(target.token).length;
    assert.ok(pushes >= 1 && pushes <= 2, `20 commands queued in one append made ${pushes} pushes`);
    // Each came from its own submission (its own correlation), and each submission's API call waits for an answer.
    await waitUntil('an outcome for every queued command', () => queued.every((id) => h.outcomes(id).length === 1));

    const [r1, r2] = [await h.requestPush([target.enrollmentId, target.enrollmentId]), await h.requestPush([target.enrollmentId])];
    assert.deepStrictEqual(reasons(await h.waitOutcomes(r1, 1)), ['sent'], 'a repeated ID in one request is pushed and answered once');
    assert.deepStrictEqual(reasons(await h.waitOutcomes(r2, 1)), ['sent']);
  });

  it('outcomes become events: APNs errors, retries of 429 and 5xx, missing push data and missing certificates', async () => {
    const topic = newTopic();
    const noCert = newTopic();
    await h.uploadCertificate(topic);
    const [gone, bad, flaky, busy, uncertified] = [
      await h.tokenUpdate(topic), await h.tokenUpdate(topic), await h.tokenUpdate(topic), await h.tokenUpdate(topic), await h.tokenUpdate(noCert),
    ];
    const attempts = new Map<string, number>();
    h.apns.reply((req) => {
      const n = (attempts.get(req.deviceToken ?? '') ?? 0) + 1;
      attempts.set(req.deviceToken ?? '', n);
      if (req.deviceToken === gone.token) return { status: 410, reason: 'Unregistered', timestamp: 1_767_000_000_000 };
      if (req.deviceToken === bad.token) return { status: 400, reason: 'BadDeviceToken' };
      if (req.deviceToken === flaky.token && n === 1) return { status: 500, reason: 'InternalServerError' };
      if (req.deviceToken === flaky.token && n === 2) return { status: 503, reason: 'ServiceUnavailable' };
      if (req.deviceToken === busy.token) return { status: 429, reason: 'TooManyRequests' };
      return { status: 200 };
    });
    try {
      const unknown = randomUUID().toUpperCase();
      const ids = [gone, bad, flaky, busy, uncertified].map((t) => t.enrollmentId);
      const requested = await h.requestPush([...ids, unknown]);
      const outcomes = await h.waitOutcomes(requested, 6);
      const by = new Map(outcomes.map((o) => [o.enrollmentId, o]));
      assert.deepStrictEqual(by.get(gone.enrollmentId)?.data, { topic, status: 410, reason: 'Unregistered', apnsTimestamp: 1_767_000_000_000, token: gone.token });
      assert.deepStrictEqual(by.get(bad.enrollmentId)?.data, { topic, status: 400, reason: 'BadDeviceToken', apnsTimestamp: null, token: bad.token });
      assert.equal(by.get(flaky.enrollmentId)?.type, 'PushSent');
      assert.deepStrictEqual(by.get(busy.enrollmentId)?.data, { topic, status: 429, reason: 'TooManyRequests', apnsTimestamp: null, token: busy.token });
      assert.deepStrictEqual(by.get(uncertified.enrollmentId)?.data, {
        topic: noCert, status: null, reason: `no push certificate for topic "${noCert}"`, apnsTimestamp: null, token: uncertified.token,
      });
      assert.deepStrictEqual(by.get(unknown)?.data, { topic: null, status: null, reason: 'push data missing for id', apnsTimestamp: null });
      assert.equal(by.get(unknown)?.deviceId, unknown);
      // 410 and 400 are final; 500 and 503 were retried; 429 was retried until the attempts ran out (4).
      assert.deepStrictEqual([gone, bad, flaky, busy].map((t) => attempts.get(t.token)), [1, 1, 3, 4]);
      assert.deepStrictEqual(h.pushesTo(uncertified.token), []);
    } finally {
      h.apns.reply(() => ({ status: 200 }));
    }
  });

  it('a token APNs refused is not pushed again until its next TokenUpdate', async () => {
    const topic = newTopic();
    await h.uploadCertificate(topic);
    const [gone, notForTopic] = [await h.tokenUpdate(topic), await h.tokenUpdate(topic)];
    h.apns.reply((req) =>
      req.deviceToken === gone.token ? { status: 410, reason: 'Unregistered' } : req.deviceToken === notForTopic.token ? { status: 400, reason: 'DeviceTokenNotForTopic' } : { status: 200 },
    );
    try {
      await h.waitOutcomes(await h.requestPush([gone.enrollmentId, notForTopic.enrollmentId]), 2);
      const again = await h.waitOutcomes(await h.requestPush([gone.enrollmentId, notForTopic.enrollmentId]), 2);
      for (const o of again) {
        assert.equal(o.type, 'PushFailed');
        assert.match((o as Extract<Outcome, { type: 'PushFailed' }>).data.reason, /refused by APNs since the last TokenUpdate/);
      }
      assert.deepStrictEqual([h.pushesTo(gone.token).length, h.pushesTo(notForTopic.token).length], [1, 1]);
    } finally {
      h.apns.reply(() => ({ status: 200 }));
    }
    // The device re-registers with a new token: it is pushed again, at the new token.
    const renewed = await h.tokenUpdate(topic, { enrollmentId: gone.enrollmentId, deviceId: gone.deviceId });
    assert.deepStrictEqual(reasons(await h.waitOutcomes(await h.requestPush([gone.enrollmentId]), 1)), ['sent']);
    assert.equal(h.pushesTo(renewed.token).length, 1);
  });

  it('a re-uploaded certificate is used from the next push on', async () => {
    const topic = newTopic();
    const first = await h.uploadCertificate(topic);
    const target = await h.tokenUpdate(topic);
    await h.waitOutcomes(await h.requestPush([target.enrollmentId]), 1);
    const second = await h.uploadCertificate(topic);
    await h.waitOutcomes(await h.requestPush([target.enrollmentId]), 1);
    assert.notEqual(first.fingerprint, second.fingerprint);
    assert.deepStrictEqual(h.pushesTo(target.token).map((r) => r.certificateFingerprint), [first.fingerprint, second.fingerprint]);
  });

  it('two topics push with their own certificates, in one request', async () => {
    const [t1, t2] = [newTopic(), newTopic()];
    const [c1, c2] = [await h.uploadCertificate(t1), await h.uploadCertificate(t2)];
    const [a, b] = [await h.tokenUpdate(t1), await h.tokenUpdate(t2)];
    const outcomes = await h.waitOutcomes(await h.requestPush([a.enrollmentId, b.enrollmentId]), 2);
    assert.deepStrictEqual(reasons(outcomes), ['sent', 'sent']);
    const [ra, rb] = [h.pushesTo(a.token)[0], h.pushesTo(b.token)[0]];
    assert.deepStrictEqual([ra.topic, ra.headers['apns-topic'], ra.certificateFingerprint], [t1, t1, c1.fingerprint]);
    assert.deepStrictEqual([rb.topic, rb.headers['apns-topic'], rb.certificateFingerprint], [t2, t2, c2.fingerprint]);
  });

  it('a user channel is pushed with its own push data', async () => {
    const topic = newTopic();
    await h.uploadCertificate(topic);
    const device = await h.tokenUpdate(topic);
    const user = await h.tokenUpdate(topic, { deviceId: device.deviceId, enrollmentId: `${device.deviceId}:${randomUUID().toUpperCase()}` });
    const [outcome] = await h.waitOutcomes(await h.requestPush([user.enrollmentId]), 1);
    assert.deepStrictEqual([outcome.type, outcome.enrollmentId, outcome.deviceId], ['PushSent', user.enrollmentId, device.deviceId]);
    assert.deepStrictEqual([h.pushesTo(user.token).length, h.pushesTo(device.token).length], [1, 0]);
    assert.equal(h.pushesTo(user.token)[0].body, JSON.stringify({ mdm: user.pushMagic }));
  });
});
