import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ProtocolError } from '../protocol.error';
import type { EnrollmentIds } from '../checkin/enrollment-ids';
import { ENROLLMENT_TYPES, resolveEnrollment, type ResolvedEnrollment } from './resolve-enrollment';

const UDID = '470E005B-5C1A-4E1B-9A3C-0EBC340D432A';
const USER = 'F151140B-2C9D-4A7E-B3F1-6D8E0A2C4B69';
const ALL_F = 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF';
const EID = 'B3A4C5D6-E7F8-4091-A2B3-C4D5E6F70819';
const EUID = '91A2B3C4-D5E6-4F70-8192-A3B4C5D6E7F8';

const table: [string, EnrollmentIds, ResolvedEnrollment][] = [
  ['device', { udid: UDID }, { id: UDID, type: 'Device', deviceChannelId: UDID, parentId: null }],
  [
    'macOS user',
    { udid: UDID, userId: USER, userShortName: 'alice', userLongName: 'Alice A' },
    { id: `${UDID}:${USER}`, type: 'User', deviceChannelId: UDID, parentId: UDID, userChannelId: USER, userShortName: 'alice', userLongName: 'Alice A' },
  ],
  ['user enrollment device', { enrollmentId: EID }, { id: EID, type: 'User Enrollment (Device)', deviceChannelId: EID, parentId: null }],
  ['user enrollment user', { enrollmentId: EID, enrollmentUserId: EUID }, { id: `${EID}:${EUID}`, type: 'User Enrollment', deviceChannelId: EID, parentId: EID, userChannelId: EUID }],
  [
    'Shared iPad user',
    { udid: UDID, userId: ALL_F, userShortName: 'kid@example.com' },
    { id: `${UDID}:kid@example.com`, type: 'Shared iPad', deviceChannelId: UDID, parentId: UDID, userChannelId: 'kid@example.com', userShortName: 'kid@example.com' },
  ],
  // Edge cases.
  ['Shared iPad with an empty short name → "UDID:"', { udid: UDID, userId: ALL_F, userShortName: '' }, { id: `${UDID}:`, type: 'Shared iPad', deviceChannelId: UDID, parentId: UDID, userChannelId: '' }],
  ['Shared iPad without a short name → "UDID:"', { udid: UDID, userId: ALL_F }, { id: `${UDID}:`, type: 'Shared iPad', deviceChannelId: UDID, parentId: UDID, userChannelId: '' }],
  ['UDID beats EnrollmentID', { udid: UDID, enrollmentId: EID, enrollmentUserId: EUID }, { id: UDID, type: 'Device', deviceChannelId: UDID, parentId: null }],
  ['empty UDID falls through to EnrollmentID', { udid: '', userId: USER, enrollmentId: EID }, { id: EID, type: 'User Enrollment (Device)', deviceChannelId: EID, parentId: null }],
  ['empty UserID is a device channel', { udid: UDID, userId: '', userShortName: 'alice' }, { id: UDID, type: 'Device', deviceChannelId: UDID, parentId: null }],
  ['lowercase all-F UserID is an ordinary user (exact match)', { udid: UDID, userId: ALL_F.toLowerCase() }, { id: `${UDID}:${ALL_F.toLowerCase()}`, type: 'User', deviceChannelId: UDID, parentId: UDID, userChannelId: ALL_F.toLowerCase() }],
  ['no case normalization', { udid: 'abc' }, { id: 'abc', type: 'Device', deviceChannelId: 'abc', parentId: null }],
];

describe('resolveEnrollment (§5)', () => {
  for (const [name, ids, expected] of table) {
    it(name, () => assert.deepEqual(resolveEnrollment(ids), expected));
  }

  it('fails with a 500 when neither UDID nor EnrollmentID is usable', () => {
    for (const ids of [{}, { udid: '', enrollmentId: '' }, { userId: USER, enrollmentUserId: EUID }]) {
      assert.throws(
        () => resolveEnrollment(ids),
        (err: unknown) => err instanceof ProtocolError && err.status === 500 && err.message === 'resolving enrollment: neither UDID nor EnrollmentID',
      );
    }
  });

  it('exports the five type strings in NanoMDM order', () => {
    assert.deepEqual(ENROLLMENT_TYPES, ['Device', 'User', 'User Enrollment (Device)', 'User Enrollment', 'Shared iPad']);
  });
});
