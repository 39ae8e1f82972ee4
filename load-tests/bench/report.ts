import type { ServerKind } from './server-under-test.ts';

/** One row of the comparison: a figure per server, lower is better for every row we print. */
export interface Row {
  scenario: string;
  metric: string;
  unit: string;
  values: Partial<Record<ServerKind, number | undefined>>;
}

const format = (value: number | undefined): string => {
  if (value === undefined || Number.isNaN(value)) return '–';
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
};

const ratio = (ours: number | undefined, peer: number | undefined): string =>
  ours === undefined || peer === undefined || Number.isNaN(ours) || Number.isNaN(peer) || peer === 0
    ? '–'
    : `${(ours / peer).toFixed(2)}×`;

/** The markdown table: the figure of each server, then ours divided by each peer's (below 1× means ours is lower). */
export function markdownTable(rows: readonly Row[], servers: readonly ServerKind[]): string {
  const peers = servers.filter((server) => server !== 'ours' && server !== 'ours-postgres');
  const withOurs = servers.includes('ours');
  const header = ['scenario', 'metric', ...servers, ...(withOurs ? peers.map((peer) => `ours / ${peer}`) : [])];
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) {
    const cells = [
      row.scenario,
      `${row.metric} (${row.unit})`,
      ...servers.map((server) => format(row.values[server])),
      ...(withOurs ? peers.map((peer) => ratio(row.values.ours, row.values[peer])) : []),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}
