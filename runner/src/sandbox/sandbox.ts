import type { RunFiles, RunLimitKind } from '@pocdojo/shared/contract/runs';
import type { RunLimits } from '../run-limits.ts';

/**
 * A sandbox runs one job: the submitted files copied into a fresh private work directory, a build step,
 * a test step, and the test framework's report read back, all under hard limits. Nothing of the host is
 * visible inside but the read-only toolchains; nothing survives the job.
 *
 * The default is bubblewrap on this machine (bubblewrap-sandbox.ts). A Kubernetes deployment can put a Job
 * per run (under gVisor) behind the same interface: the job is data, not host paths of the runner.
 */
export interface Sandbox {
  /** What runs can expect: `ok: false` when runs would not be isolated, so they are refused. */
  check(): Promise<Availability>;
  run(job: SandboxJob): Promise<SandboxOutcome>;
}

export type Availability = { ok: true } | { ok: false; reason: string };

/** A directory of the host that a job sees, read-only unless `writable` (only for the runner's own caches). */
export interface Mount {
  host: string;
  at: string;
  writable?: boolean;
}

export interface SandboxJob {
  files: RunFiles;
  /**
   * Shell text run by /bin/sh in the work directory. Never holds anything a user wrote: file names reach it
   * only through globs, and they are checked (runFilePathSchema) before any job starts.
   */
  build?: string;
  test: string;
  /** Where the test framework writes its machine-readable report inside the sandbox. */
  report?: string;
  env: Record<string, string>;
  /** Toolchain paths beyond /usr (Node's own directory, /etc entries, caches). Missing host paths are skipped. */
  mounts: Mount[];
  limits: RunLimits;
  signal?: AbortSignal;
}

export interface CappedText {
  text: string;
  /** True when more was written than kept; `bytes` counts everything written. */
  truncated: boolean;
  bytes: number;
}

export interface SandboxOutcome {
  /** Exit status of each step that ran (128 + signal number when a signal ended it). */
  buildStatus?: number;
  testStatus?: number;
  output: CappedText;
  report?: CappedText;
  /** The limit that stopped the job, when the sandbox can tell (time always, others where visible). */
  limitHit?: RunLimitKind;
  /** True when the job was cancelled through its signal. */
  cancelled: boolean;
  durationMs: number;
}
