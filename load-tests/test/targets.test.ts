import { describe, expect, it } from 'vitest';
import type { ServerKind } from '../bench/server-under-test.ts';
import {
  judgeTargets,
  targetsMarkdown,
  type Figure,
  type TargetMetric,
  type TargetScenario,
} from '../bench/targets.ts';

type Figures = Partial<Record<`${TargetScenario}.${TargetMetric}`, Partial<Record<ServerKind, number>>>>;
const from =
  (figures: Figures): Figure =>
  (scenario, metric, kind) =>
    figures[`${scenario}.${metric}`]?.[kind];

const run: Figures = {
  'broadcast.cpu': { 'ours-postgres': 6.5, relay: 6, hocuspocus: 11 },
  'dojo.cpu': { 'ours-postgres': 21, relay: 7, hocuspocus: 24 },
  'idle.heapPerConnection': { 'ours-postgres': 4 * 1024, hocuspocus: 10 * 1024 },
  'broadcast.p99': { 'ours-postgres': 20, hocuspocus: 25, 'y-websocket': 22, relay: 5 },
  'dojo.p99': { 'ours-postgres': 14, hocuspocus: 13.5, 'y-websocket': 30 },
  'cross-node.p99': { ours: 9, hocuspocus: 10 },
  'connections.failures': { 'ours-postgres': 0 },
};

const byTarget = (figures: Figures, connections = 10_000) =>
  Object.fromEntries(judgeTargets(from(figures), { connections }).map((check) => [check.target, check]));

describe("the benchmark's verdict on the issue's targets", () => {
  it('judges each target against a threshold derived from the same run', () => {
    const checks = byTarget(run);
    expect(checks['CPU per delivered update, 1 writer to many readers: ≤ 1.1 × the relay']).toMatchObject({
      ours: 6.5,
      threshold: 6 * 1.1,
      met: true,
    });
    expect(checks['CPU per delivered update, dojo room: ≤ ⅓ of Hocuspocus']).toMatchObject({
      ours: 21,
      threshold: 8,
      met: false,
    });
    expect(checks['heap per idle connection: ≤ ½ of Hocuspocus']).toMatchObject({ ours: 4, threshold: 5, met: true });
    expect(checks['10,000 connections on one node without errors']).toMatchObject({ ours: 0, met: true });
  });

  it("compares p99 with the best of the peers a user would pick, not with the relay's", () => {
    const checks = byTarget(run);
    expect(checks["delivery p99, broadcast: ≤ the best peer's"]).toMatchObject({ threshold: 22, met: true });
    expect(checks["delivery p99, dojo: ≤ the best peer's"]).toMatchObject({ threshold: 13.5, met: false });
    expect(checks["delivery p99, cross-node: ≤ the best peer's"]).toMatchObject({ ours: 9, threshold: 10, met: true });
  });

  it('says when a CPU threshold lies below what the bare relay itself spends', () => {
    const checks = byTarget({ ...run, 'dojo.cpu': { 'ours-postgres': 28, relay: 10.2, hocuspocus: 29 } });
    const dojo = checks['CPU per delivered update, dojo room: ≤ ⅓ of Hocuspocus'];
    expect(dojo?.met).toBe(false);
    expect(dojo?.note).toContain('above the threshold');
  });

  it('leaves a target unjudged when the run lacks its figures or its load', () => {
    const { 'broadcast.cpu': _, ...withoutBroadcast } = run;
    const checks = byTarget(withoutBroadcast, 100);
    expect(checks['CPU per delivered update, 1 writer to many readers: ≤ 1.1 × the relay']?.met).toBeUndefined();
    expect(checks['100 connections on one node without errors']).toMatchObject({
      met: undefined,
      note: 'the target asks for 10,000 connections',
    });
    expect(targetsMarkdown(Object.values(checks))).toContain('| not judged |');
  });
});
