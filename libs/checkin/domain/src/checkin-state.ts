/**
 * What the check-in decider needs to know from the check-in service's own
 * projection, read with point lookups before deciding.
 */
export interface CheckinState {
  /** The device channel has Authenticated (its devices row exists). */
  readonly deviceKnown: boolean;
  readonly hasBootstrapToken: boolean;
  /** Cert-auth facts for the request's certificate hash; null when the request has no certificate. */
  readonly association: {
    readonly withThisDevice: boolean;
    /** Device-channel IDs already associated with this hash. */
    readonly hashOwners: readonly string[];
    readonly deviceHasAny: boolean;
  } | null;
}

export interface CheckinOptions {
  /** -retro: an unassociated enrollment may bind its certificate once (§8.4). */
  readonly retro: boolean;
  /** -ua-zl-dc: answer the first UserAuthenticate with a zero-length DigestChallenge (§6.4). */
  readonly uaZeroLengthDigestChallenge: boolean;
  /** -dm is set: DeclarativeManagement can be forwarded (§6.7). */
  readonly declarativeManagement: boolean;
  /** A GetToken handler exists for this TokenServiceType (§6.8). */
  readonly hasTokenHandler: (tokenServiceType: string) => boolean;
}
