import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '@pocdojo/shared';
import type { LanguageId, RunFiles, RunResult } from '@pocdojo/shared/contract/runs';
import { z } from 'zod';
import { createRunner, runnerSettingsShape, type Runner, type RunLimits } from '../src/index.ts';

/**
 * A real runner for tests: bubblewrap sandboxes in a private work directory. The start points' caches are
 * shared by every test file (built once, like a runner's across restarts), so only the first pays for them.
 */
export interface TestRunner {
  runner: Runner;
  workDir: string;
  run(language: LanguageId, files: RunFiles, limits?: Partial<RunLimits>): Promise<RunResult>;
  close(): Promise<void>;
}

export const sharedCacheDir = join(tmpdir(), 'pocdojo-runner-test-cache');

export function startTestRunner(env: Record<string, string> = {}): TestRunner {
  const workDir = join(tmpdir(), `pocdojo-runner-test-${randomUUID()}`);
  // Runs get the ceiling of time unless a test sets its own: two shared cores can make a slow compile
  // slower than the default 10 s, and these tests are about lights, not speed (the bench is).
  const settings = readConfig(z.object(runnerSettingsShape), {
    RUNNER_WORK_DIR: workDir,
    RUNNER_WALL_SECONDS: '60',
    RUNNER_CPU_SECONDS: '60',
    ...env,
  });
  const runner = createRunner(settings, { cacheDir: sharedCacheDir });
  return {
    runner,
    workDir,
    run: (language, files, limits) => runner.runTests({ language, files, ...(limits ? { limits } : {}) }),
    close: () => rm(workDir, { recursive: true, force: true }),
  };
}

/** The starter kata with some files replaced. */
export async function kataWith(runner: Runner, language: LanguageId, changes: RunFiles): Promise<RunFiles> {
  return { ...(await runner.kata(language)), ...changes };
}
