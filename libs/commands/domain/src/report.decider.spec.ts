import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { acknowledgedReport, idleReport, notNowReport, statusReport } from '@espalier/shared/util-testing';
import { decodeCommandReport, resolveEnrollment } from '@espalier/mdm/protocol';
import { nextCommandQuery } from './next-command.query';
import { decideReport, type ReportCommand } from './report.decider';
import type { ReportOptions, ReportState } from './report-state';

const UDID = 'B5E1F2A4-2C3D-4E5F-8A9B-0C1D2E3F4A5B';
const HASH = 'ab'.repeat(32);
const A = { commandUuid: 'A-UUID', payload: Buffer.from('<?xml version="1.0"?><plist>A</plist>') };
const STOCK: ReportOptions = { retro: false, deleteAnswered: false };

// given: what the projection knows
const associated: ReportState['association'] = { withThisDevice: true, hashOwners: [UDID], deviceHasAny: true };
const state = (over: Partial<ReportState> = {}): ReportState => ({ association: associated, commandKnown: true, next: null, ...over });

// when: a device's report, decoded as the service does
function when(body: Buffer): ReportCommand {
  const report = decodeCommandReport(body);
  return { report, enrollment: resolveEnrollment(report.ids), certificateHash: HASH, raw: body };
}
const ids = { ids: { udid: UDID } };

describe('decideReport (NanoMDM §7.2, §3.4, §8.4)', () => {
  it('Idle: accepted without a CommandUUID (a connect event), the reply is the next command', () => {
    const decision = decideReport(when(idleReport(ids)), state({ commandKnown: false, next: A }), STOCK);
    assert.equal(decision.kind, 'accept');
    if (decision.kind !== 'accept') return;
    assert.equal(decision.fact.commandUuid, null);
    assert.equal(decision.fact.status, 'Idle');
    assert.deepEqual(decision.fact.certificate, { hash: HASH, association: 'existing' });
    assert.equal(decision.reply, A);
  });

  it('an answer to a known command is recorded with its exact bytes; an empty queue replies nothing', () => {
    const body = acknowledgedReport({ ...ids, commandUuid: 'A-UUID' });
    const decision = decideReport(when(body), state(), STOCK);
    assert.ok(decision.kind === 'accept');
    assert.equal(decision.fact.commandUuid, 'A-UUID');
    assert.ok(decision.fact.raw.equals(body));
    assert.equal(decision.reply, null);
  });

  it('unknown command → 500 (the SQL results table references commands)', () => {
    const decision = decideReport(when(acknowledgedReport({ ...ids, commandUuid: 'NOPE' })), state({ commandKnown: false }), STOCK);
    assert.deepEqual(decision, { kind: 'reject', status: 500, reason: 'storing report: unknown command NOPE' });
  });

  it('a non-Idle status without CommandUUID → 500', () => {
    const decision = decideReport(when(statusReport('Acknowledged', { ...ids, commandUuid: '' })), state(), STOCK);
    assert.equal(decision.kind, 'reject');
  });

  it('delete mode: an answer to an unknown command succeeds (nothing to delete), a NotNow for it does not', () => {
    const options = { ...STOCK, deleteAnswered: true };
    assert.equal(decideReport(when(acknowledgedReport({ ...ids, commandUuid: 'GONE' })), state({ commandKnown: false }), options).kind, 'accept');
    assert.equal(decideReport(when(notNowReport({ ...ids, commandUuid: 'GONE' })), state({ commandKnown: false }), options).kind, 'reject');
  });

  it('cert-auth: not associated → 500; with -retro an enrollment without certificate adopts this one', () => {
    const none = { withThisDevice: false, hashOwners: [], deviceHasAny: false };
    const body = idleReport(ids);
    assert.deepEqual(decideReport(when(body), state({ association: none }), STOCK), {
      kind: 'reject',
      status: 500,
      reason: 'cert auth: enrollment not associated with cert',
    });
    const retro = decideReport(when(body), state({ association: none }), { ...STOCK, retro: true });
    assert.ok(retro.kind === 'accept');
    assert.deepEqual(retro.fact.certificate, { hash: HASH, association: 'retroactive' });
  });

  it('cert-auth: a certificate another device holds is refused even with -retro', () => {
    const taken = { withThisDevice: false, hashOwners: ['OTHER'], deviceHasAny: false };
    const decision = decideReport(when(idleReport(ids)), state({ association: taken }), { ...STOCK, retro: true });
    assert.deepEqual(decision, { kind: 'reject', status: 500, reason: 'cert auth: cert re-use not permitted' });
  });

  it('a user-channel report is keyed by its enrollment ID, authorised by its device channel', () => {
    const body = idleReport({ ids: { udid: UDID, userId: 'U-1' } });
    const decision = decideReport(when(body), state(), STOCK);
    assert.ok(decision.kind === 'accept');
    assert.equal(decision.fact.enrollmentId, `${UDID}:U-1`);
    assert.equal(decision.fact.deviceChannelId, UDID);
  });
});

describe('nextCommandQuery: the reply lookup, made before the report is applied', () => {
  it('Idle: FIFO head, NotNow’d commands included', () => {
    assert.deepEqual(nextCommandQuery({ status: 'Idle', commandUuid: 'ignored' }), { excludeCommandUuid: null, skipNotNow: false });
  });
  it('NotNow: skips NotNow’d commands and the one just NotNow’d', () => {
    assert.deepEqual(nextCommandQuery({ status: 'NotNow', commandUuid: 'A' }), { excludeCommandUuid: 'A', skipNotNow: true });
  });
  it('any answer: the answered command is never the reply, NotNow’d ones are eligible again', () => {
    for (const status of ['Acknowledged', 'Error', 'CommandFormatError', 'Unheard-of']) {
      assert.deepEqual(nextCommandQuery({ status, commandUuid: 'A' }), { excludeCommandUuid: 'A', skipNotNow: false });
    }
  });
});
