import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defaultRunLimits, type RunLimits } from './run-limits.ts';
import { BubblewrapSandbox, debianBwrap } from './sandbox/bubblewrap-sandbox.ts';
import { Runner } from './runner.ts';
import { startPoints } from '../start-points/index.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

/** The same ceilings as runLimitsSchema, in the variables' units, so a bad value is named at start. */
const bounded = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The runner's settings, read by the process that hosts it (`readConfig(baseConfigSchema.extend(
 * runnerSettingsShape))`): limits in the units people think in, each defaulting to defaultRunLimits.
 * docs/runner.md lists them with what each stops.
 */
export const runnerSettingsShape = {
  /** bubblewrap; absent or failing its self-test → every run is refused as unavailable. */
  RUNNER_BWRAP: z.string().min(1).default(debianBwrap),
  /** Runs' files (for the moment a run starts), the sandbox's /etc and the start points' caches. */
  RUNNER_WORK_DIR: z.string().min(1).default(join(tmpdir(), 'pocdojo-runner')),
  /** The unprivileged host user sandboxes run as when the runner runs as root. */
  RUNNER_SANDBOX_UID: z.coerce.number().int().min(1).default(65534),
  RUNNER_SANDBOX_GID: z.coerce.number().int().min(1).default(65534),
  RUNNER_WALL_SECONDS: bounded(1, 60, defaultRunLimits.wallSeconds),
  RUNNER_CPU_SECONDS: bounded(1, 120, defaultRunLimits.cpuSeconds),
  RUNNER_MEMORY_MIB: bounded(64, 4096, defaultRunLimits.memoryBytes / MiB),
  RUNNER_PROCESSES: bounded(8, 1024, defaultRunLimits.processes),
  RUNNER_OUTPUT_KIB: bounded(1, 1024, defaultRunLimits.outputBytes / KiB),
  RUNNER_FILE_MIB: bounded(1, 1024, defaultRunLimits.fileBytes / MiB),
  RUNNER_OPEN_FILES: bounded(32, 4096, defaultRunLimits.openFiles),
  RUNNER_DISK_MIB: bounded(16, 2048, defaultRunLimits.diskBytes / MiB),
  RUNNER_SUBMITTED_KIB: bounded(1, 16 * 1024, defaultRunLimits.submittedBytes / KiB),
};

export type RunnerSettings = z.infer<z.ZodObject<typeof runnerSettingsShape>>;

export function limitsFromSettings(settings: RunnerSettings): RunLimits {
  return {
    wallSeconds: settings.RUNNER_WALL_SECONDS,
    cpuSeconds: settings.RUNNER_CPU_SECONDS,
    memoryBytes: settings.RUNNER_MEMORY_MIB * MiB,
    processes: settings.RUNNER_PROCESSES,
    outputBytes: settings.RUNNER_OUTPUT_KIB * KiB,
    fileBytes: settings.RUNNER_FILE_MIB * MiB,
    openFiles: settings.RUNNER_OPEN_FILES,
    diskBytes: settings.RUNNER_DISK_MIB * MiB,
    submittedBytes: settings.RUNNER_SUBMITTED_KIB * KiB,
  };
}

/**
 * The runner a process hosts: bubblewrap sandboxes and every start point, as its settings say. The caches
 * live in the work directory unless `cacheDir` puts them elsewhere (tests share one across runners).
 */
export function createRunner(settings: RunnerSettings, overrides: { cacheDir?: string } = {}): Runner {
  const sandbox = new BubblewrapSandbox({
    bwrap: settings.RUNNER_BWRAP,
    workDir: settings.RUNNER_WORK_DIR,
    hostUid: settings.RUNNER_SANDBOX_UID,
    hostGid: settings.RUNNER_SANDBOX_GID,
  });
  return new Runner({
    sandbox,
    startPoints,
    limits: limitsFromSettings(settings),
    cacheDir: overrides.cacheDir ?? join(settings.RUNNER_WORK_DIR, 'cache'),
  });
}
