import type { GroupStatus, ProjectionStatus, StatusReport } from './status-report';

/** The report as text for people: a heading line per group or projection, then its partitions. */
export function formatStatus(report: StatusReport): string {
  const lines: string[] = [];
  lines.push(`Consumer groups (espalier.*): ${report.groups.length}; lag = log end - committed offset`);
  if (report.groups.length === 0) lines.push('  none');
  for (const group of report.groups) lines.push('', ...groupLines(group));
  lines.push('', `Projections: ${report.projections.length}; checkpoints from PostgreSQL, lag = log end - (checkpoint + 1)`);
  for (const projection of report.projections) lines.push('', ...projectionLines(projection));
  return lines.join('\n') + '\n';
}

function groupLines(group: GroupStatus): string[] {
  const heading = `${group.groupId}  ${group.state}, ${group.members} member${group.members === 1 ? '' : 's'}, lag ${group.totalLag}`;
  if (group.partitions.length === 0) return [heading, '  no committed offsets'];
  return [heading, ...table([['topic', 'partition', 'committed', 'end', 'lag'], ...group.partitions.map((p) => [p.topic, String(p.partition), dash(p.committed), dash(p.end), dash(p.lag)])])];
}

function projectionLines(p: ProjectionStatus): string[] {
  const heading = `${p.projection}  service ${p.service}, schema ${p.schema}, group ${p.group}, lag ${p.totalLag}`;
  if (!p.migrated) return [heading, `  schema ${p.schema} not migrated yet: nothing applied`];
  return [heading, ...table([['topic', 'partition', 'checkpoint', 'end', 'lag'], ...p.partitions.map((c) => [c.topic, String(c.partition), dash(c.checkpoint), dash(c.end), dash(c.lag)])])];
}

function dash(value: string | number | null): string {
  return value === null ? '-' : String(value);
}

/** Columns padded to their widest cell; text left-aligned, numbers right-aligned. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, col) => Math.max(...rows.map((r) => r[col].length)));
  const numeric = rows[0].map((_, col) => rows.slice(1).every((r) => /^-?\d+$|^-$/.test(r[col])));
  return rows.map((row) => '  ' + row.map((cell, col) => (numeric[col] ? cell.padStart(widths[col]) : cell.padEnd(widths[col]))).join('  ').trimEnd());
}
