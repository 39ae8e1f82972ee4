import { z } from 'zod';
import { readJsonLines } from './json-lines.ts';
import type { TestCase, TestReport } from './test-report.ts';

/** `go test -json` (cmd/test2json): one event per line. */
const goEventSchema = z.object({
  Action: z.string(),
  Package: z.string().optional(),
  Test: z.string().optional(),
  Output: z.string().optional(),
});

const outcomes: Record<string, TestCase['outcome']> = { pass: 'passed', fail: 'failed', skip: 'skipped' };

/**
 * cmd/go's own line for a package whose code or tests did not compile. Go 1.19 prints it on stdout as
 * plain text beside the JSON events; later versions wrap it in an output event. Either way it is cmd/go
 * speaking, not the code under test, which runs only once the build passed.
 */
const buildFailed = (line: string) => /^FAIL\t\S+ \[(build|setup) failed\]$/.test(line.trimEnd());

/**
 * The seconds in the test binary's own line when a test outlived `-timeout`. The start point sets it in whole
 * seconds under a minute (seven tenths of a wall limit of at most 60 s), which Go prints as "42s".
 */
function timedOutSeconds(line: string): number | undefined {
  const seconds = /^panic: test timed out after (\d+)s$/.exec(line.trimEnd())?.[1];
  return seconds === undefined ? undefined : Number(seconds);
}

export function readGoTestEvents(text: string): TestReport {
  const events = readJsonLines(text, goEventSchema);
  const finished = new Map<string, TestCase>();
  let didNotCompile = text.split('\n').some(buildFailed);
  let packageFailed = false;
  let timedOutAfterSeconds: number | undefined;
  let display = '';
  for (const event of events) {
    if (event.Output !== undefined) {
      display += event.Output;
      timedOutAfterSeconds ??= timedOutSeconds(event.Output);
    }
    if (event.Test !== undefined) {
      const outcome = outcomes[event.Action];
      if (outcome) finished.set(event.Test, { name: event.Test, outcome });
    } else if (event.Action === 'fail') {
      packageFailed = true;
    } else if (event.Action === 'output' && event.Output !== undefined && buildFailed(event.Output)) {
      didNotCompile = true;
    }
  }
  // A test with subtests passes or fails with them: count the leaves only.
  const names = [...finished.keys()];
  const tests = [...finished.values()].filter((t) => !names.some((other) => other.startsWith(`${t.name}/`)));
  const problem = didNotCompile
    ? 'did not compile'
    : packageFailed && tests.length === 0
      ? 'the tests crashed before they ran'
      : undefined;
  return {
    tests,
    display,
    ...(problem ? { problem } : {}),
    ...(timedOutAfterSeconds !== undefined ? { timedOutAfterSeconds } : {}),
  };
}
