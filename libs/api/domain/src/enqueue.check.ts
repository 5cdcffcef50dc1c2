/** What the API's projection knows when a command is submitted. */
export interface EnqueueFacts {
  /** Those of the requested IDs that are enrollments (have had a TokenUpdate). */
  readonly known: ReadonlySet<string>;
  /** The CommandUUID was already submitted and not refused. */
  readonly uuidUsed: boolean;
}

const SHOWN = 10;

/** Why a submission is refused before anything is appended. */
export interface EnqueueRefusal {
  readonly code: 'uuid-used' | 'unknown-enrollments' | 'unavailable';
  readonly message: string;
}

/**
 * All-or-nothing, as NanoMDM's SQL storage (one transaction, §3.8): an
 * unknown enrollment ID or a CommandUUID used before fails the whole
 * request, and nothing is queued or pushed. Returns the refusal (its message
 * is NanoMDM's top-level command_error), or null when it may be submitted.
 */
export function checkEnqueue(commandUuid: string, ids: readonly string[], facts: EnqueueFacts): EnqueueRefusal | null {
  if (facts.uuidUsed) return { code: 'uuid-used', message: `enqueuing command: command UUID ${JSON.stringify(commandUuid)} already exists` };
  const unknown = [...new Set(ids.filter((id) => !facts.known.has(id)))];
  if (unknown.length === 0) return null;
  const shown = unknown.slice(0, SHOWN).map((id) => JSON.stringify(id)).join(', ');
  const more = unknown.length > SHOWN ? ` and ${unknown.length - SHOWN} more` : '';
  return { code: 'unknown-enrollments', message: `enqueuing command: unknown enrollment ID${unknown.length > 1 ? 's' : ''} ${shown}${more}` };
}
