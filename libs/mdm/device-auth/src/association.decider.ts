/**
 * NanoMDM's cert-auth association rules (service `certauth`, §8.4) as a pure decision. Binding an
 * enrollment to the certificate it enrolled with stops one device's valid certificate from
 * speaking for another enrollment. The caller maps `reject` to 500, as NanoMDM does (§15.1).
 */
export interface AssociationInput {
  /** An Authenticate check-in: the start of a (re-)enrollment. */
  readonly isAuthenticate: boolean;
  readonly deviceChannelId: string;
  readonly certHash: string;
  /** (deviceChannelId, certHash) is already associated. */
  readonly associatedWithThisDevice: boolean;
  /** Device-channel ids already associated with this hash (may include this device). */
  readonly hashOwners: readonly string[];
  readonly deviceHasAnyAssociation: boolean;
  /** NanoMDM `-retro`: let unassociated (e.g. migrated) enrollments self-associate. */
  readonly retro: boolean;
}

export type AssociationRejection = 'cert re-use not permitted' | 'enrollment not associated with cert';

export type AssociationDecision =
  | { readonly outcome: 'ok' }
  | { readonly outcome: 'associate'; readonly retroactive: boolean }
  | { readonly outcome: 'reject'; readonly reason: AssociationRejection };

export function decideAssociation(input: AssociationInput): AssociationDecision {
  const ownedByOther = input.hashOwners.some((owner) => owner !== input.deviceChannelId);
  if (input.isAuthenticate) {
    // A new certificate on re-enrollment is fine; one another enrollment already uses is not.
    if (input.associatedWithThisDevice || input.hashOwners.includes(input.deviceChannelId)) return { outcome: 'ok' };
    if (ownedByOther) return reject('cert re-use not permitted');
    return { outcome: 'associate', retroactive: false };
  }
  if (input.associatedWithThisDevice) return { outcome: 'ok' };
  if (!input.retro) return reject('enrollment not associated with cert');
  // Retro only adopts enrollments with no certificate at all, and only a certificate nobody
  // holds (NanoMDM checks "hash known at all", which equals "owned by another" on consistent data).
  if (input.deviceHasAnyAssociation || input.hashOwners.length > 0) return reject('cert re-use not permitted');
  return { outcome: 'associate', retroactive: true };
}

function reject(reason: AssociationRejection): AssociationDecision {
  return { outcome: 'reject', reason };
}
