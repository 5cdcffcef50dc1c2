import type { PushTrigger } from '@espalier/push/domain';

interface Pending {
  readonly triggers: PushTrigger[];
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Gathers triggers from every partition's batches for a short window, then
 * flushes them together, so triggers for one enrollment that arrive close
 * together become one push. add() resolves once the flush holding its
 * triggers has written their outcomes: only then may the batch's offsets be
 * committed (at-least-once). A flush that fails rejects every batch in it,
 * and each is delivered again.
 */
export class TriggerWindow {
  private pending: Pending | null = null;

  constructor(
    private readonly flush: (triggers: PushTrigger[]) => Promise<void>,
    private readonly options: { readonly windowMs: number; readonly maxTriggers: number },
  ) {}

  add(triggers: readonly PushTrigger[]): Promise<void> {
    const pending = this.pending ?? this.open();
    pending.triggers.push(...triggers);
    if (pending.triggers.length >= this.options.maxTriggers) this.fire(pending);
    return pending.done;
  }

  private open(): Pending {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    // Every waiting batch handles the rejection; this keeps an unobserved one from crashing the process.
    done.catch(() => undefined);
    const pending: Pending = { triggers: [], done, resolve, reject, timer: undefined };
    pending.timer = setTimeout(() => this.fire(pending), this.options.windowMs);
    this.pending = pending;
    return pending;
  }

  private fire(pending: Pending): void {
    if (this.pending !== pending) return;
    this.pending = null;
    clearTimeout(pending.timer);
    this.flush(pending.triggers).then(pending.resolve, pending.reject);
  }
}
