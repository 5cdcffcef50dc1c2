/** Bounds how many partitions of one consumer are fetched and handled at once. */
export class Semaphore {
  private free: number;
  private readonly queue: (() => void)[] = [];

  constructor(permits: number) {
    this.free = permits;
  }

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.free += 1;
    };
  }
}
