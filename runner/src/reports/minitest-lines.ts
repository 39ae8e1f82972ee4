import { z } from 'zod';
import { readJsonLines } from './json-lines.ts';
import type { TestReport } from './test-report.ts';

/** What the Ruby start point's reporter (start-points/ruby/support/json_lines_reporter.rb) writes per test. */
const minitestLineSchema = z.object({
  name: z.string(),
  outcome: z.enum(['passed', 'failed', 'errored', 'skipped']),
  /** The exception's class for an error (the assertion's for a failure). */
  type: z.string().nullable().optional(),
});

export function readMinitestLines(text: string): TestReport {
  const lines = readJsonLines(text, minitestLineSchema);
  return {
    // An exception in a test's body makes it fail, as in the other languages: red, not amber.
    tests: lines.map((line) => ({ name: line.name, outcome: line.outcome === 'errored' ? 'failed' : line.outcome })),
    outOfMemory: lines.some((line) => line.type === 'NoMemoryError'),
  };
}
