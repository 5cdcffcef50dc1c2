import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { commandPlist } from '@espalier/shared/util-testing';
import { decideEnqueue, type EnqueueState, type Submission } from './enqueue.decider';

const UUID = '0D5C3B6A-1F2E-4D3C-9B8A-7F6E5D4C3B2A';
const submission = (over: Partial<Submission> = {}): Submission => ({
  submissionId: 'S1',
  commandUuid: UUID,
  requestType: 'DeviceInformation',
  payload: commandPlist({ commandUuid: UUID, requestType: 'DeviceInformation' }),
  enrollmentIds: ['D1', 'D2'],
  ...over,
});
const fresh = (over: Partial<EnqueueState> = {}): EnqueueState => ({
  submission: 'undecided',
  uuidTaken: false,
  knownEnrollments: new Set(['D1', 'D2', 'D3']),
  queuedTargets: new Set(),
  ...over,
});
const KEEP = { deleteAnswered: false };

describe('decideEnqueue (NanoMDM §3.8, §7.1, §7.3: all targets or none)', () => {
  it('queues one entry per target, each target once', () => {
    assert.deepEqual(decideEnqueue(submission({ enrollmentIds: ['D1', 'D2', 'D1'] }), fresh(), KEEP), { kind: 'accept', targets: ['D1', 'D2'] });
  });

  it('a CommandUUID another submission queued rejects the whole submission', () => {
    const decision = decideEnqueue(submission(), fresh({ uuidTaken: true }), KEEP);
    assert.equal(decision.kind === 'reject' && decision.reason, 'duplicate-command-uuid');
  });

  it('one unknown enrollment rejects the whole submission and names it', () => {
    const decision = decideEnqueue(submission({ enrollmentIds: ['D1', 'NOPE'] }), fresh(), KEEP);
    assert.deepEqual(decision, { kind: 'reject', reason: 'unknown-enrollment', detail: 'unknown enrollment ID(s): NOPE' });
  });

  it('a payload that is not the command the event names is refused', () => {
    const other = commandPlist({ commandUuid: 'SOMETHING-ELSE', requestType: 'DeviceInformation' });
    assert.equal(decideEnqueue(submission({ payload: other }), fresh(), KEEP).kind, 'reject');
    assert.equal(decideEnqueue(submission({ payload: Buffer.from('not a plist') }), fresh(), KEEP).kind, 'reject');
    assert.equal(decideEnqueue(submission({ requestType: 'Restart' }), fresh(), KEEP).kind, 'reject');
  });

  it('seen again after a restart: a rejection stands, an acceptance completes the targets not reached', () => {
    assert.equal(decideEnqueue(submission(), fresh({ submission: 'rejected' }), KEEP).kind, 'already-decided');
    assert.deepEqual(decideEnqueue(submission(), fresh({ submission: 'accepted', queuedTargets: new Set(['D1']) }), KEEP), { kind: 'accept', targets: ['D2'] });
    assert.equal(decideEnqueue(submission(), fresh({ submission: 'accepted', queuedTargets: new Set(['D1', 'D2']) }), KEEP).kind, 'already-decided');
  });

  it('an earlier acceptance stands even if an enrollment or the UUID changed since', () => {
    const state = fresh({ submission: 'accepted', uuidTaken: true, knownEnrollments: new Set(), queuedTargets: new Set(['D1']) });
    assert.deepEqual(decideEnqueue(submission(), state, KEEP), { kind: 'accept', targets: ['D2'] });
  });

  it('delete mode does not resume: answered entries are indistinguishable from ones never queued', () => {
    assert.equal(decideEnqueue(submission(), fresh({ submission: 'accepted' }), { deleteAnswered: true }).kind, 'already-decided');
  });
});
