import type { LogPosition } from '@espalier/contracts/event-log';
import type { EspalierEvent } from '@espalier/contracts/events';
import type { Migration } from './migrations';
import type { Tx } from './sql';

export interface ProjectionContext {
  readonly tx: Tx;
  /** Quoted schema to write to: the live schema, or a shadow one during replay. */
  readonly schema: string;
}

export interface PositionedEvent<E = EspalierEvent> {
  readonly event: E;
  readonly position: LogPosition;
}

/**
 * A named read model owning tables in its service's schema. `apply` must be
 * deterministic: derive every column from the events (occurredAt, not now()),
 * so a rebuild from offset 0 yields equal tables.
 */
export interface Projection<E = EspalierEvent> {
  readonly name: string;
  readonly schema: string;
  readonly topics: readonly string[];
  /** Tables this projection owns; replay compares exactly these. */
  readonly tables: readonly string[];
  readonly migrations: readonly Migration[];
  /**
   * The event types apply() acts on. Records of other types (by their
   * `espalier-type` header) are not decoded or handed over, only counted in
   * the checkpoint: a projection that reads a busy topic for a few types
   * does not pay for validating the rest. Absent: every event is handed over.
   */
  readonly eventTypes?: ReadonlySet<string>;
  /** Applies events of one partition, in log order, inside the batch's transaction. */
  apply(ctx: ProjectionContext, events: readonly PositionedEvent<E>[]): Promise<void>;
}

export function consumerGroupOf(projection: Pick<Projection<unknown>, 'name'>): string {
  return `espalier.projection.${projection.name}`;
}

/** One event type's write: the transaction, the quoted schema, the event. */
export type EventHandler<T extends EspalierEvent['type']> = (tx: Tx, schema: string, event: Extract<EspalierEvent, { type: T }>) => Promise<unknown>;
export type EventHandlers = { readonly [T in EspalierEvent['type']]?: EventHandler<T> };

/**
 * `eventTypes` and `apply` for a projection that is one write per event,
 * chosen by type: the runner skips other types unread, and apply runs the
 * handlers in log order.
 */
export function applyByType(handlers: EventHandlers): Pick<Projection, 'eventTypes' | 'apply'> {
  return {
    eventTypes: new Set(Object.keys(handlers)),
    async apply({ tx, schema }, events) {
      for (const { event } of events) {
        const handler = handlers[event.type] as EventHandler<typeof event.type> | undefined;
        if (handler) await handler(tx, schema, event as never);
      }
    },
  };
}
