import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { decideAssociation, type AssociationDecision, type AssociationInput } from './association.decider';

const THIS = 'DEVICE-A';
const OTHER = 'DEVICE-B';
const given = (state: Partial<AssociationInput>): AssociationInput => ({
  isAuthenticate: false,
  deviceChannelId: THIS,
  certHash: 'abc123',
  associatedWithThisDevice: false,
  hashOwners: [],
  deviceHasAnyAssociation: false,
  retro: false,
  ...state,
});
const ok: AssociationDecision = { outcome: 'ok' };
const associate = (retroactive: boolean): AssociationDecision => ({ outcome: 'associate', retroactive });
const reuse: AssociationDecision = { outcome: 'reject', reason: 'cert re-use not permitted' };
const notAssociated: AssociationDecision = { outcome: 'reject', reason: 'enrollment not associated with cert' };

// given (stored associations) → when (message, retro) → then (decision)
const table: [string, Partial<AssociationInput>, AssociationDecision][] = [
  ['Authenticate, unknown cert → associate', { isAuthenticate: true }, associate(false)],
  ['Authenticate, cert of this device → ok', { isAuthenticate: true, associatedWithThisDevice: true, hashOwners: [THIS], deviceHasAnyAssociation: true }, ok],
  ['Authenticate, cert of another device → re-use', { isAuthenticate: true, hashOwners: [OTHER] }, reuse],
  ['Authenticate, cert of this and another device → ok', { isAuthenticate: true, associatedWithThisDevice: true, hashOwners: [OTHER, THIS], deviceHasAnyAssociation: true }, ok],
  ['Authenticate, new cert while device has an old one → associate', { isAuthenticate: true, deviceHasAnyAssociation: true }, associate(false)],
  ['Authenticate, cert of another device, retro → re-use', { isAuthenticate: true, hashOwners: [OTHER], retro: true }, reuse],
  ['Authenticate, unknown cert, retro → associate (not retroactive)', { isAuthenticate: true, retro: true }, associate(false)],
  ['other message, associated → ok', { associatedWithThisDevice: true, hashOwners: [THIS], deviceHasAnyAssociation: true }, ok],
  ['other message, associated, retro → ok', { associatedWithThisDevice: true, hashOwners: [THIS], deviceHasAnyAssociation: true, retro: true }, ok],
  ['other message, unassociated → not associated', {}, notAssociated],
  ['other message, cert of another device → not associated', { hashOwners: [OTHER] }, notAssociated],
  ['other message, device has another cert → not associated', { deviceHasAnyAssociation: true }, notAssociated],
  ['retro, unassociated enrollment, unknown cert → associate retroactively', { retro: true }, associate(true)],
  ['retro, device already has a cert → re-use', { retro: true, deviceHasAnyAssociation: true }, reuse],
  ['retro, cert of another device → re-use', { retro: true, hashOwners: [OTHER] }, reuse],
  ['retro, both → re-use', { retro: true, hashOwners: [OTHER], deviceHasAnyAssociation: true }, reuse],
];

describe('decideAssociation', () => {
  for (const [name, state, expected] of table) {
    it(name, () => assert.deepEqual(decideAssociation(given(state)), expected));
  }
});
