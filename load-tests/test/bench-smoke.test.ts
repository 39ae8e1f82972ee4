/**
 * The benchmark harness, run for a few seconds with tiny parameters against our tier and the Hocuspocus peer:
 * it must produce real figures. No figure is judged here; the full run is made by hand (see the README).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const servers = ['ours', 'hocuspocus'] as const;
const readers = 4;
const typists = 2;
const observers = 2;

const distribution = z.object({ count: z.number(), p50: z.number(), p99: z.number(), max: z.number() });
const delivery = z.object({
  connections: z.number(),
  joinErrors: z.number(),
  sent: z.number(),
  expected: z.number(),
  delivered: z.number(),
  latencyMs: distribution,
  ackLatencyMs: distribution,
  serverCpuSeconds: z.number(),
  cpuMicrosecondsPerDelivery: z.number(),
  cpuSplitMicrosecondsPerDelivery: z.object({ kernel: z.number(), mainThread: z.number(), helperThreads: z.number() }),
});
const connections = z.object({
  requested: z.number(),
  connected: z.number(),
  joinErrors: z.number(),
  droppedAfterJoin: z.number(),
  heapBytesPerConnection: z.number(),
  rssBytesPerConnection: z.number(),
});
const largeDocument = z.object({ documentBytes: z.number(), joins: z.number(), syncMs: distribution });
const perServer = <T extends z.ZodType>(schema: T) => z.object({ ours: schema, hocuspocus: schema });
const reportSchema = z.object({
  results: z.object({
    broadcast: perServer(delivery),
    dojo: perServer(delivery),
    idle: perServer(connections),
    'large-document': perServer(largeDocument),
  }),
  rows: z.array(z.object({ scenario: z.string(), metric: z.string() })).min(1),
  targets: z.array(
    z.object({
      target: z.string(),
      ours: z.number().optional(),
      threshold: z.number().optional(),
      met: z.boolean().optional(),
    }),
  ),
});

describe('npm run bench, smoke size', () => {
  let out: string;
  let report: z.infer<typeof reportSchema>;
  let markdown: string;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'bench-smoke-'));
    const args = [
      ...['--import', 'tsx', 'load-tests/bench/main.ts', '--quick', '--out', out],
      ...['--servers', servers.join(','), '--scenarios', 'broadcast,dojo,idle,large-document'],
      ...['--readers', String(readers), '--rate', '10', '--duration', '1'],
      ...['--typists', String(typists), '--observers', String(observers), '--idle', '20', '--document-kb', '32'],
    ];
    await run(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 150_000 });
    report = reportSchema.parse(JSON.parse(await readFile(join(out, 'latest.json'), 'utf8')));
    markdown = await readFile(join(out, 'latest.md'), 'utf8');
  }, 180_000);

  afterAll(async () => rm(out, { recursive: true, force: true }));

  it.each(servers)('delivers every edit of the writer to every reader of %s, with latencies and CPU time', (server) => {
    const result = report.results.broadcast[server];
    expect(result.joinErrors).toBe(0);
    expect(result.sent).toBe(10);
    expect(result.expected).toBe(result.sent * readers);
    expect(result.delivered).toBe(result.expected);
    expect(result.latencyMs.count).toBe(result.delivered);
    expect(result.latencyMs.p50).toBeGreaterThan(0);
    expect(result.ackLatencyMs.count).toBe(result.sent);
    expect(result.ackLatencyMs.p50).toBeGreaterThan(0);
    expect(Number.isFinite(result.cpuMicrosecondsPerDelivery)).toBe(true);
    const { kernel, mainThread, helperThreads } = result.cpuSplitMicrosecondsPerDelivery;
    expect(kernel + mainThread + helperThreads).toBeCloseTo(result.cpuMicrosecondsPerDelivery, 6);
  });

  it.each(servers)('delivers every typist edit to everyone else in the dojo room of %s', (server) => {
    const result = report.results.dojo[server];
    expect(result.connections).toBe(typists + observers);
    expect(result.delivered).toBe(result.sent * (typists + observers - 1));
    expect(result.latencyMs.p50).toBeGreaterThan(0);
  });

  it.each(servers)('holds idle connections on %s and reads its heap after a forced GC', (server) => {
    const result = report.results.idle[server];
    expect(result.connected).toBe(result.requested);
    expect(result.joinErrors + result.droppedAfterJoin).toBe(0);
    expect(Number.isFinite(result.heapBytesPerConnection)).toBe(true);
    expect(Number.isFinite(result.rssBytesPerConnection)).toBe(true);
  });

  it.each(servers)('syncs the whole large document to new clients of %s', (server) => {
    const result = report.results['large-document'][server];
    expect(result.documentBytes).toBe(32 * 1024);
    expect(result.joins).toBe(5);
    expect(result.syncMs.p50).toBeGreaterThan(0);
  });

  it('writes a markdown table with ours as a ratio of the peer', () => {
    expect(markdown).toContain('| scenario | metric | ours | hocuspocus | ours / hocuspocus |');
    expect(report.rows.length).toBeGreaterThan(10);
  });

  it("judges the issue's targets on the run's own figures, and those it lacks figures for not at all", () => {
    const heap = report.targets.find((check) => check.target.startsWith('heap per idle connection, embedded'));
    const { ours, hocuspocus } = report.results.idle;
    expect(heap?.ours).toBeCloseTo(ours.heapBytesPerConnection / 1024, 6);
    expect(heap?.threshold).toBeCloseTo(hocuspocus.heapBytesPerConnection / 2048, 6);
    expect(heap?.met).toBe((heap?.ours ?? NaN) <= (heap?.threshold ?? NaN));
    // No relay in this run, so nothing to judge the broadcast CPU target against.
    expect(report.targets.find((check) => check.target.includes('1.1 × the relay'))?.met).toBeUndefined();
    expect(markdown).toContain("## The issue's targets in this run");
  });
});
