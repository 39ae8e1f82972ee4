import type { ServerKind } from './server-under-test.ts';

/** One row of the comparison: a figure per server, lower is better for every row we print. */
export interface Row {
  scenario: string;
  metric: string;
  unit: string;
  values: Partial<Record<ServerKind, number | undefined>>;
}

/** A figure with three significant digits or so; '–' when there is none. */
export const format = (value: number | undefined): string => {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

const ratio = (ours: number | undefined, peer: number | undefined): string =>
  ours === undefined || peer === undefined || Number.isNaN(ours) || Number.isNaN(peer) || peer === 0
    ? '–'
    : `${(ours / peer).toFixed(2)}×`;

/**
 * The markdown table: the figure of each server, then each of our columns divided by each peer's (below 1×
 * means ours is lower): ours on Postgres first (the tier's own cost), then ours on the embedded database
 * (which also runs inside the measured process).
 */
export function markdownTable(rows: readonly Row[], servers: readonly ServerKind[]): string {
  const ours = (['ours-postgres', 'ours'] as const).filter((kind) => servers.includes(kind));
  const peers = servers.filter((server) => server !== 'ours' && server !== 'ours-postgres');
  const pairs = ours.flatMap((mine) => peers.map((peer) => [mine, peer] as const));
  const header = ['scenario', 'metric', ...servers, ...pairs.map(([mine, peer]) => `${mine} / ${peer}`)];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const cells = [
      row.scenario,
      `${row.metric} (${row.unit})`,
      ...servers.map((server) => format(row.values[server])),
      ...pairs.map(([mine, peer]) => ratio(row.values[mine], row.values[peer])),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
