/**
 * The last `capacity` event IDs, to drop redeliveries. In memory, so it forgets on restart: a
 * subscriber with side effects records each eventId in its own store, in the same transaction
 * as the effect, instead.
 */
export class RecentIds {
  private readonly ids = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** False if `id` was seen recently. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) this.ids.delete(this.ids.values().next().value as string);
    return true;
  }
}
