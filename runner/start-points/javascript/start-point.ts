import type { StartPoint } from '../../src/start-point.ts';
import { workDirectory } from '../../src/sandbox/harness.ts';
import { nodeMounts, nodeReport, nodeRequirement, nodeTestCommand, readNodeJunit } from '../node-test-runner.ts';

/** JavaScript (ES modules) on Node's built-in test runner: `node --test` finds *.test.js and friends. */
export const javascript: StartPoint = {
  id: 'javascript',
  testFramework: 'node:test',
  kata: new URL('./kata/', import.meta.url),
  requires: [nodeRequirement],
  mounts: nodeMounts,
  env: {},
  test: nodeTestCommand(),
  report: nodeReport,
  read: (report) => readNodeJunit(report, workDirectory),
};
