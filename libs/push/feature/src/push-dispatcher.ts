import type { LogAppender, LogRecord } from '@espalier/contracts/event-log';
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
  /** IDs per read and records per append. */
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
    const targets = await this.readTargets(jobs);
    const { clients, unusable } = await this.deps.clients.forTopics([...targets.values()].map((t) => t.topic));
    const settled = await Promise.all(
      planPushes(jobs, targets, unusable).map(async (plan): Promise<Settled> => {
        if (plan.kind === 'fail') return { plan };
        const client = clients.get(plan.target.topic);
        if (!client) throw new Error(`push: no client for usable topic "${plan.target.topic}"`);
        return { plan, outcome: await sendWithRetry(client, plan.target, this.options.retry, this.deps.send) };
      }),
    );
    await this.append(settled.flatMap((s) => outcomeRecords(s, this.deps.ids)));
    this.logSummary(triggers.length, settled);
  }

  private async readTargets(jobs: readonly PushJob[]): Promise<Map<string, PushTarget>> {
    const ids = jobs.map((job) => job.enrollmentId);
    const reads: Promise<Map<string, PushTarget>>[] = [];
    for (let i = 0; i < ids.length; i += this.chunk) reads.push(this.deps.targets(ids.slice(i, i + this.chunk)));
    return new Map((await Promise.all(reads)).flatMap((found) => [...found]));
  }

  private async append(records: readonly LogRecord[]): Promise<void> {
    const appends: Promise<unknown>[] = [];
    for (let i = 0; i < records.length; i += this.chunk) appends.push(this.deps.appender.append(records.slice(i, i + this.chunk)));
    await Promise.all(appends);
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
