import { maxFailingNames, type RunResult } from '@pocdojo/shared/contract/runs';
import type { TestReport } from './reports/test-report.ts';
import { formatBytes, type RunLimits } from './run-limits.ts';
import type { SandboxOutcome } from './sandbox/sandbox.ts';

export type Verdict = Pick<RunResult, 'light' | 'passed' | 'failed' | 'failing' | 'message' | 'limitHit'>;

/**
 * The rule that turns a run into a light, the same for every language (each start point only reads its
 * framework's report): green when every test passed; red when the tests ran and at least one failed;
 * amber when a limit stopped the run, the code did not build or load, a test could not run, no test ran,
 * or the run crashed after its tests.
 */
export function judge(outcome: SandboxOutcome, report: TestReport, limits: RunLimits): Verdict {
  const ran = report.tests.filter((t) => t.outcome !== 'skipped');
  const notPassed = ran.filter((t) => t.outcome !== 'passed');
  const counts = {
    passed: ran.length - notPassed.length,
    failed: notPassed.length,
    failing: notPassed.slice(0, maxFailingNames).map((t) => t.name),
  };
  const amber = (message: string, limitHit?: Verdict['limitHit']): Verdict => ({
    light: 'amber',
    ...counts,
    message,
    ...(limitHit ? { limitHit } : {}),
  });

  const timedOut = (seconds: number) => amber(`timed out after ${seconds} s`, 'time');

  if (outcome.cancelled) return amber('cancelled before it finished');
  switch (outcome.limitHit) {
    case 'processes':
      return amber(`stopped: it started more than ${limits.processes} processes and threads`, 'processes');
    case 'time':
      return timedOut(limits.wallSeconds);
    case 'cpu':
      return amber(`stopped: it used more than ${limits.cpuSeconds} s of CPU time`, 'cpu');
    case 'files':
      return amber(`stopped: it wrote a file larger than ${formatBytes(limits.fileBytes)}`, 'files');
    case 'disk':
      return amber(`stopped: it filled its ${formatBytes(limits.diskBytes)} of disk`, 'disk');
  }
  if (report.timedOutAfterSeconds !== undefined) return timedOut(report.timedOutAfterSeconds);
  if (report.outOfMemory) return amber(`ran out of memory (limit ${formatBytes(limits.memoryBytes)})`, 'memory');
  const outputCut = outcome.limitHit === 'output' ? ('output' as const) : undefined;
  if (outcome.buildStatus !== undefined && outcome.buildStatus !== 0) return amber('did not compile', outputCut);
  if (report.problem) return amber(report.problem, outputCut);

  const errored = ran.filter((t) => t.outcome === 'errored').length;
  if (errored > 0) return amber(`${plural(errored, 'test')} could not run`, outputCut);
  if (ran.length === 0) {
    const status = outcome.testStatus;
    return amber(
      status === 0 || status === undefined ? 'no tests ran' : `the tests did not run (${exit(status)})`,
      outputCut,
    );
  }
  if (counts.failed > 0) {
    return {
      light: 'red',
      ...counts,
      message: `${counts.failed} of ${plural(ran.length, 'test')} failed`,
      ...(outputCut ? { limitHit: outputCut } : {}),
    };
  }
  if (outcome.testStatus !== 0) {
    return amber(`the tests passed, then the run crashed (${exit(outcome.testStatus)})`, outputCut);
  }
  return {
    light: 'green',
    ...counts,
    message: ran.length === 1 ? 'the test passed' : `all ${ran.length} tests passed`,
    ...(outputCut ? { limitHit: outputCut } : {}),
  };
}

/** A start point's check of the code failed (TypeScript's types): amber, like code that did not compile. */
export function checkFailed(message: string): Verdict {
  return { light: 'amber', passed: 0, failed: 0, failing: [], message };
}

const plural = (count: number, noun: string) => `${count} ${noun}${count === 1 ? '' : 's'}`;

const signalNames: Record<number, string> = {
  4: 'SIGILL',
  6: 'SIGABRT',
  7: 'SIGBUS',
  8: 'SIGFPE',
  9: 'SIGKILL',
  11: 'SIGSEGV',
  15: 'SIGTERM',
};

function exit(status: number | undefined): string {
  if (status === undefined) return 'it never finished';
  const signal = status > 128 ? signalNames[status - 128] : undefined;
  return signal ? `killed by ${signal}` : `exit status ${status}`;
}
