import type { LogAppender } from '@espalier/contracts/event-log';
import type { PushTarget } from '@espalier/push/data-access-push';
import { coalesce, planPushes, type PushJob, type PushTrigger, type RetryPolicy } from '@espalier/push/domain';
import type { Logger } from '@espalier/shared/util-logging';
import type { ApnsClients } from './apns-clients';
import { outcomeRecords, type EventIds, type Settled } from './push-outcome.events';
import { sendWithRetry, type SendDeps } from './push-sender';

export interface PushDispatcherDeps {
  readonly fence: { catchUp(timeoutMs: number): Promise<void> };
  readonly targets: (enrollmentIds: readonly string[]) => Promise<Map<string, PushTarget>>;
  readonly clients: Pick<ApnsClients, 'forTopics'>;
  readonly appender: LogAppender;
  readonly logger: Logger;
  readonly ids: EventIds;
  readonly send: SendDeps;
}

export interface PushDispatcherOptions {
  /** Bounds the wait for the push projection to catch up with the log. */
  readonly timeoutMs: number;
  readonly retry: RetryPolicy;
  /** Enrollments per slice: one read, one append (default 5,000). */
  readonly chunk?: number;
}

/**
 * Turns a window of triggers into pushes and outcome events (§9): one push
 * per enrollment, with push data, certificates and refused tokens read from
 * the push projection once it caught up with the log. Resolves only once
 * every outcome is in the log; a throw leaves the triggers to be seen again
 * (at-least-once: a push may then be sent twice, never lost).
 */
export class PushDispatcher {
  constructor(
    private readonly deps: PushDispatcherDeps,
    private readonly options: PushDispatcherOptions,
  ) {}

  async dispatch(triggers: readonly PushTrigger[]): Promise<void> {
    const jobs = coalesce(triggers);
    if (jobs.length === 0) return;
    await this.deps.fence.catchUp(this.options.timeoutMs);
    const slices: PushJob[][] = [];
    for (let i = 0; i < jobs.length; i += this.chunk) slices.push(jobs.slice(i, i + this.chunk));
    // Two slices at a time: one appends its outcomes while the next is at APNs, and memory
    // holds two slices, not a whole 50,000-enrollment request.
    const settled: Settled[][] = [];
    let next = 0;
    const worker = async () => {
      while (next < slices.length) {
        const index = next++;
        settled[index] = await this.pushSlice(slices[index]);
      }
    };
    await Promise.all([worker(), worker()]);
    this.logSummary(triggers.length, settled.flat());
  }

  /** Reads, plans, pushes and records one slice; resolves once its outcomes are in the log. */
  private async pushSlice(jobs: readonly PushJob[]): Promise<Settled[]> {
    const targets = await this.deps.targets(jobs.map((job) => job.enrollmentId));
    const { clients, unusable } = await this.deps.clients.forTopics([...targets.values()].map((t) => t.topic));
    const settled = await Promise.all(
      planPushes(jobs, targets, unusable).map(async (plan): Promise<Settled> => {
        if (plan.kind === 'fail') return { plan };
        const client = clients.get(plan.target.topic);
        if (!client) throw new Error(`push: no client for usable topic "${plan.target.topic}"`);
        return { plan, outcome: await sendWithRetry(client, plan.target, this.options.retry, this.deps.send) };
      }),
    );
    await this.deps.appender.append(settled.flatMap((s) => outcomeRecords(s, this.deps.ids)));
    return settled;
  }

  private logSummary(triggers: number, settled: readonly Settled[]): void {
    const failures = new Map<string, number>();
    let sent = 0;
    for (const s of settled) {
      if ('outcome' in s && s.outcome.ok) sent++;
      else {
        const reason = 'outcome' in s && !s.outcome.ok ? s.outcome.reason : s.plan.kind === 'fail' ? s.plan.reason : '';
        failures.set(reason, (failures.get(reason) ?? 0) + 1);
      }
    }
    this.deps.logger.info({ triggers, pushes: settled.length, sent, failed: Object.fromEntries(failures) }, 'push: dispatched');
  }

  private get chunk(): number {
    return this.options.chunk ?? 5_000;
  }
}
