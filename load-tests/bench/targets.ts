import { format } from './report.ts';
import type { ServerKind } from './server-under-test.ts';

/** The scenarios the targets are stated on. */
export type TargetScenario = 'broadcast' | 'dojo' | 'idle' | 'connections' | 'cross-node';
export type TargetMetric = 'cpu' | 'p99' | 'heapPerConnection' | 'failures';
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

/**
 * The targets judged on one run, each as a ratio of figures measured side by side, so every results
 * file says which hold on the machine it ran on. The CPU targets also say where the bare relay (a server that
 * only forwards frames) stands against their threshold: a threshold below the relay's own figure cannot be
 * met by any server that delivers the same frames, whatever its CRDT costs.
 */
export function judgeTargets(figure: Figure, options: { connections: number }): TargetCheck[] {
  // The tier's own cost: on Postgres when it ran, since the embedded database shares the measured process.
  const ours = (scenario: TargetScenario, metric: TargetMetric) =>
    figure(scenario, metric, 'ours-postgres') ?? figure(scenario, metric, 'ours');
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
  const relayNote = (scenario: TargetScenario, threshold: number | undefined) => {
    const relay = figure(scenario, 'cpu', 'relay');
    if (relay === undefined || threshold === undefined) return undefined;
    return relay > threshold
      ? `the bare relay itself spends ${relay.toFixed(2)} µs: above the threshold, which no server delivering the same frames can meet`
      : `the bare relay spends ${relay.toFixed(2)} µs`;
  };

  const relayCpu = figure('broadcast', 'cpu', 'relay');
  const broadcastLimit = relayCpu === undefined ? undefined : 1.1 * relayCpu;
  const hocuspocusDojo = figure('dojo', 'cpu', 'hocuspocus');
  const dojoLimit = hocuspocusDojo === undefined ? undefined : hocuspocusDojo / 3;
  const hocuspocusHeap = figure('idle', 'heapPerConnection', 'hocuspocus');
  const connections = check(
    `${options.connections.toLocaleString('en')} connections on one node without errors`,
    'errors',
    ours('connections', 'failures'),
    0,
  );
  if (options.connections < 10_000) {
    connections.met = undefined;
    connections.note = 'the target asks for 10,000 connections';
  }

  return [
    check(
      'CPU per delivered update, 1 writer to many readers: ≤ 1.1 × the relay',
      'µs',
      ours('broadcast', 'cpu'),
      broadcastLimit,
    ),
    check(
      'CPU per delivered update, dojo room: ≤ ⅓ of Hocuspocus',
      'µs',
      ours('dojo', 'cpu'),
      dojoLimit,
      relayNote('dojo', dojoLimit),
    ),
    check(
      'heap per idle connection: ≤ ½ of Hocuspocus',
      'KiB',
      scale(ours('idle', 'heapPerConnection'), 1 / 1024),
      scale(hocuspocusHeap, 1 / 2048),
    ),
    ...(['broadcast', 'dojo', 'cross-node'] as const).map((scenario) => {
      const best = Math.min(
        ...peers.flatMap((peer) => {
          const p99 = figure(scenario, 'p99', peer);
          return p99 === undefined ? [] : [p99];
        }),
      );
      return check(
        `delivery p99, ${scenario}: ≤ the best peer's`,
        'ms',
        ours(scenario, 'p99'),
        Number.isFinite(best) ? best : undefined,
      );
    }),
    connections,
  ];
}

const scale = (value: number | undefined, factor: number) => (value === undefined ? undefined : value * factor);

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
