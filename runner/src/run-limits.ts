import { z } from 'zod';

const KiB = 1024;
const MiB = 1024 * KiB;

/**
 * The limits of one run. Each stops one kind of abuse (docs/runner.md has the threat model); each has a
 * default a deployment can change (RUNNER_* variables, runner-config.ts) and a ceiling no run may pass.
 */
export const runLimitsSchema = z.object({
  /** From the call to the light, building included; the whole sandbox is killed when it passes. */
  wallSeconds: z.number().int().min(1).max(60),
  /** CPU seconds per process (RLIMIT_CPU): a backstop for threads that burn several cores at once. */
  cpuSeconds: z.number().int().min(1).max(120),
  /**
   * Private writable memory per process (RLIMIT_DATA): counts what a program allocates, not the address
   * space the JVM, V8 and Go reserve without touching, which an address-space limit would refuse.
   */
  memoryBytes: z
    .number()
    .int()
    .min(64 * MiB)
    .max(4096 * MiB),
  /** Processes and threads in the sandbox (RLIMIT_NPROC, counted per sandbox by its user namespace). */
  processes: z.number().int().min(8).max(1024),
  /** stdout and stderr together; past it the text is cut with a note and the rest is read and dropped. */
  outputBytes: z
    .number()
    .int()
    .min(1 * KiB)
    .max(1 * MiB),
  /** The largest file a run may write (RLIMIT_FSIZE). */
  fileBytes: z
    .number()
    .int()
    .min(1 * MiB)
    .max(1024 * MiB),
  /** Open files per process (RLIMIT_NOFILE). */
  openFiles: z.number().int().min(32).max(4096),
  /** Size of each private tmpfs: the work directory and /tmp. Counts toward the machine's memory. */
  diskBytes: z
    .number()
    .int()
    .min(16 * MiB)
    .max(2048 * MiB),
  /** The submitted files together; a bigger tree is refused before any sandbox starts. */
  submittedBytes: z
    .number()
    .int()
    .min(1 * KiB)
    .max(16 * MiB),
});
export type RunLimits = z.infer<typeof runLimitsSchema>;

export const defaultRunLimits: RunLimits = {
  wallSeconds: 10,
  cpuSeconds: 10,
  memoryBytes: 512 * MiB,
  processes: 64,
  outputBytes: 64 * KiB,
  fileBytes: 16 * MiB,
  openFiles: 256,
  diskBytes: 64 * MiB,
  submittedBytes: 512 * KiB,
};

/** A run's limits: the runner's, with what the caller narrows or widens, each within its ceiling. */
export function resolveRunLimits(base: RunLimits, override: Partial<RunLimits> = {}): RunLimits {
  return runLimitsSchema.parse({ ...base, ...override });
}

/** "64 KiB", "512 MiB", "100.3 MiB": how sizes read in messages. */
export function formatBytes(bytes: number): string {
  const figure = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));
  if (bytes >= MiB) return `${figure(bytes / MiB)} MiB`;
  if (bytes >= KiB) return `${figure(bytes / KiB)} KiB`;
  return `${bytes} bytes`;
}
