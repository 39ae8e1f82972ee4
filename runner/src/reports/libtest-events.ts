import { z } from 'zod';
import { readJsonLines } from './json-lines.ts';
import type { TestCase, TestReport } from './test-report.ts';

/** Rust's libtest with `-Z unstable-options --format json`: suite and test events, one per line. */
const libtestEventSchema = z.object({
  type: z.enum(['suite', 'test']),
  event: z.string(),
  name: z.string().optional(),
  stdout: z.string().optional(),
});

const outcomes: Record<string, TestCase['outcome']> = { ok: 'passed', failed: 'failed', ignored: 'skipped' };

export function readLibtestEvents(text: string): TestReport {
  const tests: TestCase[] = [];
  let display = '';
  for (const event of readJsonLines(text, libtestEventSchema)) {
    const outcome = outcomes[event.event];
    if (event.type !== 'test' || event.name === undefined || !outcome) continue;
    tests.push({ name: event.name, outcome });
    // libtest captures what a test prints (its panic message too) and hands it over for failures.
    if (outcome === 'failed') display += `---- ${event.name} ----\n${event.stdout ?? ''}\n`;
  }
  return { tests, ...(display ? { display } : {}) };
}
