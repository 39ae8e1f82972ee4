/**
 * What a start point reads from its test framework's machine-readable report, before the light is decided.
 *
 * `failed` is a test that ran and did not pass (an assertion, or an exception in the test's body: red);
 * `errored` is a test the framework could not run (collection, fixture or load failure: amber).
 */
export type TestOutcome = 'passed' | 'failed' | 'errored' | 'skipped';

export interface TestCase {
  name: string;
  outcome: TestOutcome;
}

export interface TestReport {
  tests: TestCase[];
  /** The framework said the code could not be built or loaded: the sentence to show ("did not compile"). */
  problem?: string;
  /** The framework reported running out of memory (a MemoryError, an OutOfMemoryError…). */
  outOfMemory?: boolean;
  /**
   * The framework stopped a test that ran past the hang-report time itself (Go's -timeout, which prints
   * every goroutine's stack first): how many seconds it let it run.
   */
  timedOutAfterSeconds?: number;
  /** What to show after the run's output, for frameworks that put their human-readable text in the report. */
  display?: string;
}

export const emptyReport: TestReport = { tests: [] };
