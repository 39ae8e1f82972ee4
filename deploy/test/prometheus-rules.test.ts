import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import { ServerProcess } from '@pocdojo/server/testing/server-process';

/**
 * The alerting rules and the Grafana dashboard are code: promtool checks the rules and runs their unit
 * tests, every alert has a test that fires it and a runbook, and every metric they name is one the
 * services really export, read from the /metrics of the all-in-one server (which registers the metrics
 * of every service: collaboration, update log, API, jobs, voice) rather than from a list kept here.
 */
const repo = fileURLToPath(new URL('../..', import.meta.url));
const alertsFile = `${repo}deploy/prometheus/alerts.yml`;
const alertTestsFile = `${repo}deploy/prometheus/alerts.test.yml`;
const dashboardFile = `${repo}deploy/grafana/poc-dojo.json`;
const runbooksFile = `${repo}docs/runbooks.md`;

/** Series Prometheus writes itself for every scrape target; no process registers them. */
const prometheusOwnSeries = new Set(['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added']);

async function promtool(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('promtool', args, { cwd: repo });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number | string; stdout?: string; stderr?: string };
    if (failed.code === 'ENOENT') throw new Error('promtool is missing: run scripts/install-test-deps.sh');
    return { code: Number(failed.code), output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

const alertsSchema = z.object({
  groups: z.array(
    z.object({
      name: z.string(),
      rules: z.array(
        z.object({
          alert: z.string(),
          expr: z.string(),
          annotations: z.object({ summary: z.string(), description: z.string(), runbook: z.string() }),
        }),
      ),
    }),
  ),
});

const alertTestsSchema = z.object({
  tests: z.array(
    z.object({
      alert_rule_test: z.array(z.object({ alertname: z.string(), exp_alerts: z.array(z.unknown()) })),
    }),
  ),
});

const dashboardSchema = z.object({
  panels: z.array(z.object({ targets: z.array(z.object({ expr: z.string() })).optional() })),
  templating: z.object({ list: z.array(z.object({ query: z.union([z.string(), z.object({ query: z.string() })]) })) }),
});

const promqlKeywords = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless']);

/** The metric names a PromQL expression reads: identifiers that are not functions, keywords or labels. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  const names = [...bare.matchAll(/([A-Za-z_:][\w:]*)(\s*\()?|\d[\d.eE+-]*/g)]
    .filter((match) => match[1] !== undefined && match[2] === undefined && !promqlKeywords.has(match[1]))
    .map((match) => match[1] ?? '');
  return [...new Set(names)];
}

/** Grafana's `label_values(metric{…}, label)` reads one metric; a bare label name is not one. */
const templateMetric = (query: string): string[] =>
  [...query.matchAll(/label_values\(\s*([A-Za-z_:][\w:]*)/g)].map((match) => match[1] ?? '');

/** Every series name a registry exposes, from the `# TYPE` lines of its text format. */
function exportedSeries(exposition: string): Set<string> {
  const series = new Set<string>();
  for (const [, name = '', type] of exposition.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) series.add(name + suffix);
    else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) series.add(name + suffix);
    else series.add(name);
  }
  return series;
}

let alerts: z.infer<typeof alertsSchema>;
let server: ServerProcess;
let exported: Set<string>;

beforeAll(async () => {
  alerts = alertsSchema.parse(parse(await readFile(alertsFile, 'utf8')));
  server = await ServerProcess.start();
  exported = exportedSeries(await (await fetch(`${server.httpUrl}/metrics`)).text());
});
afterAll(async () => {
  await server?.stop();
});

const rules = () => alerts.groups.flatMap((group) => group.rules);

describe('the Prometheus alerting rules', () => {
  it('pass promtool check rules', async () => {
    const result = await promtool('check', 'rules', alertsFile);
    expect(result.output).toContain(`SUCCESS: ${rules().length} rules found`);
    expect(result.code).toBe(0);
  });

  it('pass their promtool unit tests', async () => {
    const result = await promtool('test', 'rules', alertTestsFile);
    expect(result.output).toContain('SUCCESS');
    expect(result.code).toBe(0);
  });

  it('each have a unit test that fires them', async () => {
    const tests = alertTestsSchema.parse(parse(await readFile(alertTestsFile, 'utf8')));
    const fired = new Set(
      tests.tests.flatMap((test) =>
        test.alert_rule_test.filter((check) => check.exp_alerts.length > 0).map((check) => check.alertname),
      ),
    );
    expect(rules().filter((rule) => !fired.has(rule.alert))).toEqual([]);
  });

  it('each link to a runbook section that exists', async () => {
    const anchors = new Set(
      [...(await readFile(runbooksFile, 'utf8')).matchAll(/^## (\S+)$/gm)].map(
        (match) => `docs/runbooks.md#${match[1]?.toLowerCase()}`,
      ),
    );
    expect(rules().filter((rule) => !anchors.has(rule.annotations.runbook))).toEqual([]);
  });

  it('read only metrics the services export', () => {
    const used = rules().flatMap((rule) => metricNames(rule.expr).map((name) => ({ alert: rule.alert, name })));
    expect(rules().filter((rule) => metricNames(rule.expr).length === 0)).toEqual([]);
    expect(used.filter(({ name }) => !exported.has(name) && !prometheusOwnSeries.has(name))).toEqual([]);
  });
});

describe('the Grafana dashboard', () => {
  it('reads only metrics the services export', async () => {
    const dashboard = dashboardSchema.parse(JSON.parse(await readFile(dashboardFile, 'utf8')));
    const exprs = dashboard.panels.flatMap((panel) => panel.targets?.map((target) => target.expr) ?? []);
    const variables = dashboard.templating.list.map((v) => (typeof v.query === 'string' ? v.query : v.query.query));
    const used = [...exprs.flatMap(metricNames), ...variables.flatMap(templateMetric)];
    expect(exprs.length).toBeGreaterThan(30);
    expect(used.filter((name) => !exported.has(name))).toEqual([]);
    // The voice, API, job and update-log sections each read their own service's metrics.
    for (const prefix of ['pocdojo_ws_', 'pocdojo_persistence_', 'api_', 'video_', 'media_']) {
      expect(used.some((name) => name.startsWith(prefix))).toBe(true);
    }
  });
});

describe('reading metric names out of PromQL', () => {
  it('skips functions, keywords, label names, label values, ranges and numbers', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (instance, le) (rate(a_bucket{route="/x", status=~"5.."}[5m]))) > 1e6 and on (instance) b == 0',
      ),
    ).toEqual(['a_bucket', 'b']);
    expect(templateMetric('label_values(process_start_time_seconds{service=~"$service"}, instance)')).toEqual([
      'process_start_time_seconds',
    ]);
  });
});
