import { describe, expect, it } from 'vitest';
import type { ServerKind } from '../bench/server-under-test.ts';
import {
  judgeTargets,
  targetsMarkdown,
  type Figure,
  type TargetLoads,
  type TargetMetric,
  type TargetScenario,
} from '../bench/targets.ts';

type Figures = Partial<Record<`${TargetScenario}.${TargetMetric}`, Partial<Record<ServerKind, number>>>>;
const from =
  (figures: Figures): Figure =>
  (scenario, metric, kind) =>
    figures[`${scenario}.${metric}`]?.[kind];

const run: Figures = {
  'broadcast.cpu': { ours: 7.5, 'ours-postgres': 6.5, relay: 6, hocuspocus: 11 },
  'dojo.cpu': { ours: 13, 'ours-postgres': 12, relay: 7, hocuspocus: 24 },
  'idle.heapPerConnection': { ours: 4 * 1024, 'ours-postgres': 6 * 1024, hocuspocus: 10 * 1024 },
  'idle.failures': { ours: 0, 'ours-postgres': 3 },
  'connections.failures': { ours: 0, 'ours-postgres': 0 },
  'connections.syncP99': { ours: 320, 'ours-postgres': 250, hocuspocus: 300 },
  'connections.rssMiB': { ours: 230, 'ours-postgres': 260, hocuspocus: 256 },
  'broadcast.p99': { 'ours-postgres': 20, hocuspocus: 25, 'y-websocket': 22, relay: 5 },
  'dojo.p99': { 'ours-postgres': 14, hocuspocus: 13.5, 'y-websocket': 30 },
  'cross-node.p99': { ours: 9, hocuspocus: 10 },
};

const fullLoad: TargetLoads = { idle: 50_000, connections: 10_000 };
const byTarget = (figures: Figures, loads = fullLoad) =>
  Object.fromEntries(judgeTargets(from(figures), loads).map((check) => [check.target, check]));

describe("the benchmark's verdict on the issue's targets", () => {
  it('holds the embedded database to 1.15 × the CPU of ours on Postgres, row by row', () => {
    const checks = byTarget(run);
    expect(checks['CPU per delivered update, broadcast, embedded: ≤ 1.15 × ours on Postgres']).toMatchObject({
      ours: 7.5,
      threshold: 6.5 * 1.15,
      met: false,
    });
    expect(checks['CPU per delivered update, dojo, embedded: ≤ 1.15 × ours on Postgres']).toMatchObject({
      ours: 13,
      threshold: 12 * 1.15,
      met: true,
    });
  });

  it("holds the dojo room to 0.6 × Hocuspocus's CPU on each database", () => {
    const checks = byTarget(run);
    expect(checks['CPU per delivered update, dojo room, on Postgres: ≤ 0.6 × Hocuspocus']).toMatchObject({
      ours: 12,
      threshold: 24 * 0.6,
      met: true,
    });
    expect(checks['CPU per delivered update, dojo room, embedded: ≤ 0.6 × Hocuspocus']).toMatchObject({
      ours: 13,
      met: true,
    });
  });

  it('holds one writer to many readers to 1.1 × the relay on Postgres and 1.2 × embedded', () => {
    const checks = byTarget(run);
    expect(checks['CPU per delivered update, 1 writer to many readers, on Postgres: ≤ 1.1 × the relay']).toMatchObject({
      ours: 6.5,
      threshold: 6 * 1.1,
      met: true,
    });
    expect(checks['CPU per delivered update, 1 writer to many readers, embedded: ≤ 1.2 × the relay']).toMatchObject({
      ours: 7.5,
      threshold: 6 * 1.2,
      met: false,
    });
  });

  it('judges idle connections and the join storm on each database against Hocuspocus in the same run', () => {
    const checks = byTarget(run);
    expect(checks['50,000 idle connections on one node, embedded, without errors']?.met).toBe(true);
    expect(checks['50,000 idle connections on one node, on Postgres, without errors']?.met).toBe(false);
    expect(checks['heap per idle connection, embedded: ≤ ½ of Hocuspocus']).toMatchObject({
      ours: 4,
      threshold: 5,
      met: true,
    });
    expect(checks['heap per idle connection, on Postgres: ≤ ½ of Hocuspocus']?.met).toBe(false);
    expect(checks["10,000 connections arriving on one node, on Postgres: sync p99 ≤ Hocuspocus's"]).toMatchObject({
      ours: 250,
      threshold: 300,
      met: true,
    });
    expect(checks["10,000 connections arriving on one node, embedded: sync p99 ≤ Hocuspocus's"]?.met).toBe(false);
    expect(checks["10,000 connections arriving on one node, embedded: server RSS ≤ Hocuspocus's"]?.met).toBe(true);
    expect(checks["10,000 connections arriving on one node, on Postgres: server RSS ≤ Hocuspocus's"]?.met).toBe(false);
  });

  it("compares p99 with the best of the peers a user would pick, not with the relay's", () => {
    const checks = byTarget(run);
    expect(checks["delivery p99, broadcast: ≤ the best peer's"]).toMatchObject({ threshold: 22, met: true });
    expect(checks["delivery p99, dojo: ≤ the best peer's"]).toMatchObject({ threshold: 13.5, met: false });
    expect(checks["delivery p99, cross-node: ≤ the best peer's"]).toMatchObject({ ours: 9, threshold: 10, met: true });
  });

  it('says when a CPU threshold lies below what the bare relay itself spends', () => {
    const checks = byTarget({ ...run, 'dojo.cpu': { 'ours-postgres': 28, relay: 10.2, hocuspocus: 16 } });
    const dojo = checks['CPU per delivered update, dojo room, on Postgres: ≤ 0.6 × Hocuspocus'];
    expect(dojo?.met).toBe(false);
    expect(dojo?.note).toContain('above the threshold');
  });

  it('leaves a target unjudged when the run lacks its figures or its load', () => {
    const { 'broadcast.cpu': _, ...withoutBroadcast } = run;
    const checks = byTarget(withoutBroadcast, { idle: 19_000, connections: 100 });
    expect(
      checks['CPU per delivered update, 1 writer to many readers, on Postgres: ≤ 1.1 × the relay']?.met,
    ).toBeUndefined();
    expect(checks['19,000 idle connections on one node, embedded, without errors']).toMatchObject({
      ours: 0,
      met: undefined,
      note: 'the target asks for 50,000 idle connections',
    });
    expect(checks["100 connections arriving on one node, on Postgres: sync p99 ≤ Hocuspocus's"]).toMatchObject({
      met: undefined,
      note: 'the target asks for 10,000 connections',
    });
    expect(targetsMarkdown(Object.values(checks))).toContain('| not judged |');
  });
});
