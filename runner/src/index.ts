/**
 * Sandboxed test runs → traffic lights. A Runner offers languages (start points) and starts Runs, each in
 * a fresh Sandbox (bubblewrap by default) under hard limits; docs/runner.md has the threat model.
 *
 *   const runner = createRunner(readConfig(baseConfigSchema.extend(runnerSettingsShape)));
 *   const result = await runner.runTests({ language: 'python', files: await runner.kata('python') });
 *   result.light // 'red': the starter kata ships with a failing test
 */
export { Runner, type RunnerOptions, type RunRequest } from './runner.ts';
export { Run } from './run.ts';
export { createRunner, limitsFromSettings, runnerSettingsShape, type RunnerSettings } from './runner-config.ts';
export { runnerProcessConfigSchema } from './runner-process-config.ts';
export { defaultRunLimits, runLimitsSchema, type RunLimits } from './run-limits.ts';
export type { Availability, Mount, Sandbox, SandboxJob, SandboxOutcome } from './sandbox/sandbox.ts';
export { BubblewrapSandbox, debianBwrap, type BubblewrapOptions } from './sandbox/bubblewrap-sandbox.ts';
export { loadKata, type StartPoint } from './start-point.ts';
export { startPoints } from '../start-points/index.ts';
export { RunWorker, runJobName, runJobSchema, type RunWorkerOptions } from './service/run-worker.ts';
export { RunMetrics } from './service/run-metrics.ts';
export {
  runServiceSettingsShape,
  runWorkerSwitchShape,
  type RunServiceSettings,
} from './service/run-service-config.ts';
