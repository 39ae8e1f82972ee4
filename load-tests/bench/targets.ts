import { format } from './report.ts';
import type { ServerKind } from './server-under-test.ts';

/** The scenarios the targets are stated on. */
export type TargetScenario = 'broadcast' | 'dojo' | 'idle' | 'connections' | 'cross-node';
export type TargetMetric = 'cpu' | 'p99' | 'syncP99' | 'rssMiB' | 'heapPerConnection' | 'failures';
/** A run's figure (its median over rounds) for one server, if that server ran that scenario. */
export type Figure = (scenario: TargetScenario, metric: TargetMetric, kind: ServerKind) => number | undefined;

export interface TargetCheck {
  target: string;
  unit: string;
  ours: number | undefined;
  /** The figure ours must not exceed, derived from the same run. */
  threshold: number | undefined;
  /** Undefined when the run cannot judge it (a figure missing, or a smaller load than the target's). */
  met: boolean | undefined;
  note?: string;
}

/** Servers a user would otherwise pick; the relay is a yardstick, not a product. */
const peers = ['hocuspocus', 'y-websocket'] as const satisfies readonly ServerKind[];

/** Our tier on each database it stands on, as the targets name them. */
const databases = [
  ['ours-postgres', 'on Postgres'],
  ['ours', 'embedded'],
] as const satisfies ReadonlyArray<readonly [ServerKind, string]>;

/** The loads the targets are stated at: a smaller run reports its figures but judges nothing. */
export const targetLoads = { idleConnections: 50_000, joinStorm: 10_000 } as const;

export interface TargetLoads {
  /** Idle connections held in the `idle` scenario. */
  idle: number;
  /** Connections arriving at once in the `connections` scenario (the join storm). */
  connections: number;
}

const check = (
  target: string,
  unit: string,
  value: number | undefined,
  threshold: number | undefined,
  note?: string,
): TargetCheck => ({
  target,
  unit,
  ours: value,
  threshold,
  met: value === undefined || threshold === undefined ? undefined : value <= threshold,
  ...(note ? { note } : {}),
});

const times = (factor: number, value: number | undefined) => (value === undefined ? undefined : factor * value);

/** A check the run's load is too small to judge keeps its figures but says why it is not judged. */
function atLoad(checked: TargetCheck, load: number, required: number, what: string): TargetCheck {
  if (load >= required) return checked;
  return { ...checked, met: undefined, note: `the target asks for ${required.toLocaleString('en')} ${what}` };
}

/**
 * The targets judged on one run, each as a ratio of figures measured side by side, so every results
 * file says which hold on the machine it ran on. Ours is judged on each database separately: the embedded one
 * is what `npm start` and a small self-hosted team run, Postgres what a cluster runs. The CPU targets also say
 * where the bare relay (a server that only forwards frames) stands against their threshold: a threshold below
 * the relay's own figure cannot be met by any server that delivers the same frames, whatever its CRDT costs.
 */
export function judgeTargets(figure: Figure, loads: TargetLoads): TargetCheck[] {
  const relayNote = (scenario: TargetScenario, threshold: number | undefined) => {
    const relay = figure(scenario, 'cpu', 'relay');
    if (relay === undefined || threshold === undefined) return undefined;
    return relay > threshold
      ? `the bare relay itself spends ${relay.toFixed(2)} µs: above the threshold, which no server delivering the same frames can meet`
      : `the bare relay spends ${relay.toFixed(2)} µs`;
  };
  const hocuspocus = (scenario: TargetScenario, metric: TargetMetric) => figure(scenario, metric, 'hocuspocus');
  const relayCpu = figure('broadcast', 'cpu', 'relay');

  const embeddedAsFast = (['broadcast', 'dojo'] as const).map((scenario) =>
    check(
      `CPU per delivered update, ${scenario}, embedded: ≤ 1.15 × ours on Postgres`,
      'µs',
      figure(scenario, 'cpu', 'ours'),
      times(1.15, figure(scenario, 'cpu', 'ours-postgres')),
    ),
  );
  const dojoRoom = databases.map(([kind, where]) => {
    const threshold = times(0.6, hocuspocus('dojo', 'cpu'));
    return check(
      `CPU per delivered update, dojo room, ${where}: ≤ 0.6 × Hocuspocus`,
      'µs',
      figure('dojo', 'cpu', kind),
      threshold,
      relayNote('dojo', threshold),
    );
  });
  const broadcast = databases.map(([kind, where]) =>
    check(
      `CPU per delivered update, 1 writer to many readers, ${where}: ≤ ${kind === 'ours' ? '1.2' : '1.1'} × the relay`,
      'µs',
      figure('broadcast', 'cpu', kind),
      times(kind === 'ours' ? 1.2 : 1.1, relayCpu),
    ),
  );
  const idle = databases.flatMap(([kind, where]) => [
    atLoad(
      check(
        `${loads.idle.toLocaleString('en')} idle connections on one node, ${where}, without errors`,
        'errors',
        figure('idle', 'failures', kind),
        0,
      ),
      loads.idle,
      targetLoads.idleConnections,
      'idle connections',
    ),
    check(
      `heap per idle connection, ${where}: ≤ ½ of Hocuspocus`,
      'KiB',
      times(1 / 1024, figure('idle', 'heapPerConnection', kind)),
      times(1 / 2048, hocuspocus('idle', 'heapPerConnection')),
    ),
  ]);
  const storm = `${loads.connections.toLocaleString('en')} connections arriving on one node`;
  const joinStorm = databases.flatMap(([kind, where]) =>
    [
      check(`${storm}, ${where}, without errors`, 'errors', figure('connections', 'failures', kind), 0),
      check(
        `${storm}, ${where}: sync p99 ≤ Hocuspocus's`,
        'ms',
        figure('connections', 'syncP99', kind),
        hocuspocus('connections', 'syncP99'),
      ),
      check(
        `${storm}, ${where}: server RSS ≤ Hocuspocus's`,
        'MiB',
        figure('connections', 'rssMiB', kind),
        hocuspocus('connections', 'rssMiB'),
      ),
    ].map((checked) => atLoad(checked, loads.connections, targetLoads.joinStorm, 'connections')),
  );
  const deliveryP99 = (['broadcast', 'dojo', 'cross-node'] as const).map((scenario) => {
    const best = Math.min(
      ...peers.flatMap((peer) => {
        const p99 = figure(scenario, 'p99', peer);
        return p99 === undefined ? [] : [p99];
      }),
    );
    // Cross-node runs ours on Postgres only (two nodes always share a database), under the name `ours`.
    const ours = figure(scenario, 'p99', 'ours-postgres') ?? figure(scenario, 'p99', 'ours');
    return check(`delivery p99, ${scenario}: ≤ the best peer's`, 'ms', ours, Number.isFinite(best) ? best : undefined);
  });

  return [...embeddedAsFast, ...dojoRoom, ...broadcast, ...idle, ...joinStorm, ...deliveryP99];
}

export function targetsMarkdown(checks: readonly TargetCheck[]): string {
  const lines = ['| target | ours | threshold | met | note |', '| --- | --- | --- | --- | --- |'];
  for (const c of checks) {
    const met = c.met === undefined ? 'not judged' : c.met ? 'yes' : 'no';
    lines.push(
      `| ${c.target} | ${format(c.ours)} ${c.unit} | ${format(c.threshold)} ${c.unit} | ${met} | ${c.note ?? ''} |`,
    );
  }
  return lines.join('\n') + '\n';
}
