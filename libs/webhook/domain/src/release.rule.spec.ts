import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { releasable, type OutboxHead, type Watermarks } from './release.rule';

const ENROLLMENT = 'mdm.enrollment';
const COMMAND = 'mdm.command';
const T = 1_000_000;
const MARGIN = 1_000;

/** A head of `device` on `topic` (partition 3 on both topics), stamped at T + `at` ms. */
function head(id: string, device: string, topic: string, at: number, more: Partial<OutboxHead> = {}): OutboxHead {
  const other = topic === ENROLLMENT ? COMMAND : ENROLLMENT;
  return { eventId: id, deviceId: device, topic, offset: BigInt(at), occurredAt: T + at, gate: { topic: other, partition: 3 }, nextAttemptAt: 0, leasedUntil: null, ...more };
}

const seen = (enrollment: number, command: number): Watermarks =>
  new Map([
    [`${ENROLLMENT}/3`, T + enrollment],
    [`${COMMAND}/3`, T + command],
  ]);
const ids = (heads: OutboxHead[]) => heads.map((h) => h.eventId);
const now = T + 60_000;

describe('releasable: the webhook release rule', () => {
  it("posts a device's earlier head of its two topics, by time stamped", () => {
    const heads = [head('report', 'D', COMMAND, 20), head('checkin', 'D', ENROLLMENT, 10)];
    assert.deepEqual(ids(releasable(heads, seen(5_000, 5_000), { marginMs: MARGIN, now })), ['checkin']);
  });

  it('holds a head until the other topic was ingested past its time plus the margin', () => {
    const heads = [head('checkin', 'D', ENROLLMENT, 10)];
    // The command partition is seen up to T+1009: a report stamped just before the check-in, on a clock 1 s behind, may still be unread.
    assert.deepEqual(ids(releasable(heads, seen(0, 1_009), { marginMs: MARGIN, now })), []);
    assert.deepEqual(ids(releasable(heads, seen(0, 1_010), { marginMs: MARGIN, now })), ['checkin']);
    // Its own topic's watermark does not matter: its log order there is exact.
    assert.deepEqual(ids(releasable(heads, seen(0, 0), { marginMs: 0, now })), []);
  });

  it('holds a head whose partition has no watermark yet', () => {
    assert.deepEqual(ids(releasable([head('checkin', 'D', ENROLLMENT, 10)], new Map(), { marginMs: 0, now })), []);
  });

  it('an earlier head that must wait holds the device: a later one never overtakes it', () => {
    const waiting = head('checkin', 'D', ENROLLMENT, 10, { nextAttemptAt: now + 1 });
    const later = head('report', 'D', COMMAND, 20);
    assert.deepEqual(ids(releasable([waiting, later], seen(5_000, 5_000), { marginMs: MARGIN, now })), []);
    const leased = { ...waiting, nextAttemptAt: 0, leasedUntil: now + 1 };
    assert.deepEqual(ids(releasable([leased, later], seen(5_000, 5_000), { marginMs: MARGIN, now })), []);
    const expired = { ...leased, leasedUntil: now };
    assert.deepEqual(ids(releasable([expired, later], seen(5_000, 5_000), { marginMs: MARGIN, now })), ['checkin']);
  });

  it('keeps log order within a topic even when the times disagree (two replicas, two clocks)', () => {
    const heads = [head('second', 'D', ENROLLMENT, 5, { offset: 8n }), head('first', 'D', ENROLLMENT, 9, { offset: 7n })];
    assert.deepEqual(ids(releasable(heads, seen(5_000, 5_000), { marginMs: MARGIN, now })), ['first']);
  });

  it('breaks a tie of times by event ID', () => {
    const heads = [head('0190-b', 'D', COMMAND, 10), head('0190-a', 'D', ENROLLMENT, 10)];
    assert.deepEqual(ids(releasable(heads, seen(5_000, 5_000), { marginMs: MARGIN, now })), ['0190-a']);
  });

  it('releases one head per device, devices side by side, oldest first', () => {
    const heads = [head('b1', 'B', COMMAND, 30), head('a1', 'A', ENROLLMENT, 20), head('c1', 'C', ENROLLMENT, 4_500), head('a2', 'A', COMMAND, 25)];
    // C's check-in is too recent for the command partition's watermark; A and B go, A's older event first.
    assert.deepEqual(ids(releasable(heads, seen(5_000, 5_000), { marginMs: MARGIN, now })), ['a1', 'b1']);
  });
});
