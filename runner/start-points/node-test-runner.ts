import { dirname } from 'node:path';
import { junitTestCases, readJunit } from '../src/reports/junit-report.ts';
import { emptyReport, type TestReport } from '../src/reports/test-report.ts';
import type { Mount } from '../src/sandbox/sandbox.ts';
import type { Requirement } from '../src/start-point.ts';

/**
 * What the JavaScript and TypeScript start points share: the runner's own Node (the binary at
 * process.execPath, mounted read-only where it is unless /usr already holds it) and its built-in test
 * runner, printing the spec reporter for people and writing JUnit XML for the light.
 */
export const node = process.execPath;

export const nodeRequirement: Requirement = { path: node, from: "the runner's own Node.js" };

export const nodeMounts: Mount[] = node.startsWith('/usr/') ? [] : [{ host: dirname(node), at: dirname(node) }];

export const nodeTestCommand = (flags = '') =>
  `${node} ${flags}--test --test-reporter=spec --test-reporter-destination=stdout ` +
  '--test-reporter=junit --test-reporter-destination=/tmp/report.xml';

export const nodeReport = '/tmp/report.xml';

/**
 * Node reports a test file that failed outside its tests (it did not load, or crashed) as a test named
 * after the file's absolute path; `filesUnder` is the folder the test files ran from.
 */
export function readNodeJunit(report: string | undefined, filesUnder: string): TestReport {
  if (report === undefined) return emptyReport;
  const cases = readJunit(report);
  const fileFailed = (name: string) => name.startsWith(`${filesUnder}/`);
  const tests = junitTestCases(cases, 'errored').map((test) =>
    test.outcome === 'failed' && fileFailed(test.name) ? { ...test, outcome: 'errored' as const } : test,
  );
  const unloadable = cases.some((c) => c.outcome !== 'passed' && fileFailed(c.name));
  return { tests, ...(unloadable ? { problem: 'a test file did not load, or crashed outside its tests' } : {}) };
}
