import type { RunnerStats } from '@espalier/shared/data-access-postgres';
import type { MetricFamily } from './prometheus-text';

/** Apply counters of the projection runners in this process (since it started; sum over replicas for the service). */
export function projectionFamilies(runners: readonly { readonly projection: string; readonly stats: RunnerStats }[]): MetricFamily[] {
  const counter = (name: string, help: string, pick: (s: RunnerStats) => number): MetricFamily => ({
    name,
    help,
    type: 'counter',
    samples: runners.map((r) => ({ labels: { projection: r.projection }, value: pick(r.stats) })),
  });
  return [
    counter('espalier_projection_events_applied_total', 'Events a projection applied to its tables in this process.', (s) => s.applied),
    counter('espalier_projection_events_already_applied_total', 'Re-delivered events a projection skipped because its checkpoint had passed them.', (s) => s.alreadyApplied),
    counter('espalier_projection_events_dead_lettered_total', 'Events a projection could not apply and sent to <topic>.dlq.', (s) => s.deadLettered),
  ];
}
