/** Cert-auth facts about the request's certificate and the device channel (§8.4). */
export interface AssociationState {
  readonly withThisDevice: boolean;
  readonly hashOwners: readonly string[];
  readonly deviceHasAny: boolean;
}

/** The command a reply would carry: its UUID and exact enqueued bytes. */
export interface QueuedCommand {
  readonly commandUuid: string;
  readonly payload: Buffer;
}

/**
 * What the commands projection knows when a report arrives, read in one
 * lookup before the report is recorded (so `next` is computed with the query
 * `nextCommandQuery` derives from the report, see there).
 */
export interface ReportState {
  readonly association: AssociationState;
  /** Some enrollment has (or had, in keep mode) this CommandUUID queued: NanoMDM's commands row exists. */
  readonly commandKnown: boolean;
  readonly next: QueuedCommand | null;
}

export interface ReportOptions {
  /** NanoMDM `-retro` (§8.4). */
  readonly retro: boolean;
  /** NanoMDM's SQL `delete=1` (§7.2): answered commands are deleted, not kept. */
  readonly deleteAnswered: boolean;
}
