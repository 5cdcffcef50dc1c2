/** Something that asks for an enrollment to be pushed (§9): an operator's request, or a queued command. */
export interface PushTrigger {
  readonly enrollmentId: string;
  /** The device-channel ID when the trigger names it (CommandQueued does, PushRequested does not). */
  readonly deviceId: string | null;
  /** The trigger event; outcomes name it as their causation, so a waiting API call finds its answers. */
  readonly eventId: string;
  readonly correlationId: string;
  readonly kind: 'requested' | 'queued';
}

/** One push to send, and the triggers its outcome answers. */
export interface PushJob {
  readonly enrollmentId: string;
  readonly deviceId: string | null;
  /** Outcome events to write: one per correlation (API request) among the triggers. */
  readonly answers: readonly PushTrigger[];
}
