import { junitTestCases, readJunit } from '../../src/reports/junit-report.ts';
import { emptyReport } from '../../src/reports/test-report.ts';
import { hangReportSecondsWord, type StartPoint } from '../../src/start-point.ts';

/** Python 3 with pytest, both Debian's (/usr/bin/python3, python3-pytest), reported as JUnit XML. */
export const python: StartPoint = {
  id: 'python',
  testFramework: 'pytest',
  kata: new URL('./kata/', import.meta.url),
  requires: [
    { path: '/usr/bin/python3', from: 'Debian package python3' },
    { path: '/usr/lib/python3/dist-packages/pytest', from: 'Debian package python3-pytest' },
  ],
  mounts: [],
  env: { PYTHONDONTWRITEBYTECODE: '1', PYTHONUNBUFFERED: '1' },
  // -rP: what passing tests printed is shown too (pytest shows failing tests' by default). A test still
  // running after the hang-report time has every thread's stack printed (faulthandler), before the kill.
  test:
    `/usr/bin/python3 -m pytest -q -rP -p no:cacheprovider -o faulthandler_timeout=${hangReportSecondsWord} ` +
    '--junitxml=/tmp/report.xml',
  report: '/tmp/report.xml',
  read(report) {
    if (report === undefined) return emptyReport;
    const cases = readJunit(report);
    // pytest reports a module it could not import as an <error> named after it, with this fixed message.
    const unloadable = cases.some((c) => c.outcome === 'error' && c.message === 'collection failure');
    return {
      tests: junitTestCases(cases, 'errored'),
      ...(unloadable ? { problem: 'the tests did not load' } : {}),
      // pytest's message attribute is "ExceptionType: text", or the bare type.
      outOfMemory: cases.some((c) => c.message === 'MemoryError' || c.message?.startsWith('MemoryError:')),
    };
  },
};
