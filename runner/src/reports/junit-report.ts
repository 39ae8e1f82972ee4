import { XMLParser } from 'fast-xml-parser';
import type { TestCase, TestOutcome } from './test-report.ts';

/**
 * JUnit XML, as pytest, JUnit 5's console launcher, Catch2 and Node's test runner write it: test cases
 * inside test suites, nested or not, each with an optional <failure>, <error> or <skipped>.
 */
export interface JunitCase {
  name: string;
  classname: string;
  outcome: 'passed' | 'failure' | 'error' | 'skipped';
  /** The failure's or error's `type` attribute (an exception class for JUnit 5, "REQUIRE" for Catch2). */
  type?: string;
  /** The failure's or error's `message` attribute (pytest puts "ExceptionType: text" there). */
  message?: string;
  /** The failure's or error's text: the framework's own account (assertion, expansion, stack). */
  detail?: string;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  textNodeName: 'text',
  // The parser's default entity limits stand against expansion bombs; a report is written by the run.
  processEntities: true,
  htmlEntities: false,
  isArray: (name) => ['testsuite', 'testcase', 'failure', 'error', 'skipped'].includes(name),
});

type XmlNode = Record<string, unknown>;

const nodes = (value: unknown): XmlNode[] =>
  Array.isArray(value) ? value.filter((v): v is XmlNode => typeof v === 'object' && v !== null) : [];

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/** The test cases of a JUnit XML document, in document order; throws when it is not XML. */
export function readJunit(xml: string): JunitCase[] {
  const document = parser.parse(xml, true) as XmlNode;
  const cases: JunitCase[] = [];
  const walk = (node: XmlNode) => {
    for (const testcase of nodes(node['testcase'])) cases.push(junitCase(testcase));
    for (const suite of nodes(node['testsuite'])) walk(suite);
  };
  const root = document['testsuites'] ?? document['testsuite'];
  if (Array.isArray(root)) for (const suite of nodes(root)) walk(suite);
  else if (typeof root === 'object' && root !== null) walk(root as XmlNode);
  return cases;
}

function junitCase(node: XmlNode): JunitCase {
  const base = { name: text(node['name']) ?? '', classname: text(node['classname']) ?? '' };
  for (const outcome of ['failure', 'error'] as const) {
    const found = node[outcome];
    if (!Array.isArray(found)) continue;
    // <failure type="…" message="…">text</failure> parses to an object; with no attributes, to its text.
    const first: unknown = found[0];
    const problem = typeof first === 'object' && first !== null ? (first as XmlNode) : undefined;
    return {
      ...base,
      outcome,
      type: text(problem?.['type']),
      message: text(problem?.['message']),
      detail: (problem ? text(problem['text']) : text(first))?.trim() || undefined,
    };
  }
  if (Array.isArray(node['skipped'])) return { ...base, outcome: 'skipped' };
  return { ...base, outcome: 'passed' };
}

/** How a start point maps JUnit outcomes: whether an <error> is a failing test or one that could not run. */
export function junitTestCases(cases: JunitCase[], errorsAre: 'failed' | 'errored'): TestCase[] {
  const outcomes: Record<JunitCase['outcome'], TestOutcome> = {
    passed: 'passed',
    failure: 'failed',
    error: errorsAre,
    skipped: 'skipped',
  };
  return cases.map((c) => ({ name: c.name, outcome: outcomes[c.outcome] }));
}
