import { randomUUID } from 'node:crypto';
import type { LanguageId, RunFiles, RunResult } from '@pocdojo/shared/contract/runs';
import { emptyReport, type TestReport } from './reports/test-report.ts';
import { formatBytes, type RunLimits } from './run-limits.ts';
import { decodeWhole } from './sandbox/capped-stream.ts';
import type { Sandbox, SandboxOutcome } from './sandbox/sandbox.ts';
import {
  cacheMountPoint,
  type CheckVerdict,
  hangReportSeconds,
  hangReportVariable,
  type StartPoint,
} from './start-point.ts';
import { checkFailed, judge } from './verdict.ts';

export interface RunSpec {
  startPoint: StartPoint;
  files: RunFiles;
  limits: RunLimits;
  /** The start point's cache on the host, when it has one. */
  cacheDir?: string;
}

/**
 * One run: the submitted files tested once in a fresh sandbox and read into a result. It starts when
 * created; `cancel()` stops it (the sandbox is killed, the result says so).
 */
export class Run {
  readonly id = randomUUID();
  readonly language: LanguageId;
  readonly result: Promise<RunResult>;
  private readonly abort = new AbortController();

  constructor(sandbox: Sandbox, spec: RunSpec) {
    this.language = spec.startPoint.id;
    this.result = this.execute(sandbox, spec);
  }

  cancel(): void {
    this.abort.abort();
  }

  private async execute(sandbox: Sandbox, { startPoint, files, limits, cacheDir }: RunSpec): Promise<RunResult> {
    const started = performance.now();
    // Beside the run, not before it: a check that passes (the usual case) then adds no time.
    const checking = this.check(startPoint, files, limits);
    const outcome = await sandbox.run({
      files,
      build: startPoint.build,
      test: startPoint.test,
      report: startPoint.report,
      env: { ...startPoint.env, [hangReportVariable]: String(hangReportSeconds(limits)) },
      mounts: [...startPoint.mounts, ...(cacheDir ? [{ host: cacheDir, at: cacheMountPoint }] : [])],
      limits,
      signal: this.abort.signal,
    });
    const checked = await checking;
    if (checked && !checked.ok) {
      return {
        ...checkFailed(checked.message),
        ...presentOutput({ ...outcome, output: captured(checked.output) }, emptyReport, limits.outputBytes),
        durationMs: Math.round(performance.now() - started),
      };
    }
    const report = readReport(startPoint, outcome);
    return {
      ...judge(outcome, report, limits),
      ...presentOutput(outcome, report, limits.outputBytes),
      durationMs: Math.round(performance.now() - started),
    };
  }

  /** The start point's check; one that fails stops the run at once (its tests no longer count). */
  private async check(startPoint: StartPoint, files: RunFiles, limits: RunLimits): Promise<CheckVerdict | undefined> {
    if (!startPoint.check) return undefined;
    try {
      const verdict = await startPoint.check.check(files, limits.wallSeconds * 1000);
      if (!verdict.ok) this.abort.abort();
      return verdict;
    } catch {
      // The checker's own failure says nothing about the code: the run's light stands.
      return undefined;
    }
  }
}

const captured = (text: string): SandboxOutcome['output'] => ({
  text,
  bytes: Buffer.byteLength(text),
  truncated: false,
});

/**
 * A report that cannot be read (cut at its cap, or not the format its framework writes) leaves the run
 * without results: amber, with the output to show why.
 */
function readReport(startPoint: StartPoint, outcome: SandboxOutcome): TestReport {
  if (outcome.report?.truncated) return { ...emptyReport, problem: 'the test report was too large to read' };
  try {
    return startPoint.read(outcome.report?.text || undefined, outcome.testStatus);
  } catch {
    return { ...emptyReport, problem: 'the test report could not be read' };
  }
}

/** The output as a person reads it: what the run printed, then the report's own account, within the cap. */
function presentOutput(
  outcome: SandboxOutcome,
  report: TestReport,
  cap: number,
): Pick<RunResult, 'output' | 'outputTruncated'> {
  let text = outcome.output.text;
  let bytes = outcome.output.bytes;
  let truncated = outcome.output.truncated;
  if (report.display) {
    const display = (text && !text.endsWith('\n') ? '\n' : '') + report.display;
    const room = cap - Buffer.byteLength(text);
    text += decodeWhole(Buffer.from(display).subarray(0, Math.max(0, room)));
    bytes += Buffer.byteLength(display);
    truncated ||= Buffer.byteLength(display) > room;
  }
  if (!truncated) return { output: text, outputTruncated: false };
  const note = `\n[output cut at ${formatBytes(cap)}: the run printed ${formatBytes(bytes)} in all]\n`;
  return { output: text + note, outputTruncated: true };
}
