import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readMinitestLines } from '../../src/reports/minitest-lines.ts';
import { emptyReport } from '../../src/reports/test-report.ts';
import type { StartPoint } from '../../src/start-point.ts';

/** Debian's ruby-minitest installs under a versioned folder; whichever version is there. */
function minitestGem(): string {
  const gems = '/usr/share/rubygems-integration/all/gems';
  try {
    const found = readdirSync(gems).find((name) => name.startsWith('minitest-'));
    if (found) return `${gems}/${found}`;
  } catch {
    // No Ruby gems at all: the requirement below names the package.
  }
  return `${gems}/minitest`;
}

const support = '/opt/start-point';

/**
 * Ruby with minitest (Debian's ruby and ruby-minitest). Every *_test.rb and test_*.rb is loaded into one
 * process; the start point's reporter (support/json_lines_reporter.rb) writes a JSON line per test.
 */
export const ruby: StartPoint = {
  id: 'ruby',
  testFramework: 'minitest',
  kata: new URL('./kata/', import.meta.url),
  requires: [
    { path: '/usr/bin/ruby', from: 'Debian package ruby' },
    { path: minitestGem(), from: 'Debian package ruby-minitest' },
  ],
  mounts: [{ host: fileURLToPath(new URL('./support/', import.meta.url)), at: support }],
  env: { MINITEST_JSON_REPORT: '/tmp/report.jsonl' },
  test:
    `/usr/bin/ruby -I${support} -rjson_lines_reporter -e ` +
    `'(Dir.glob("**/*_test.rb") + Dir.glob("**/test_*.rb")).uniq.sort.each { |file| require File.expand_path(file) }'`,
  report: '/tmp/report.jsonl',
  read(report, testStatus) {
    const read = report === undefined ? emptyReport : readMinitestLines(report);
    // A test file that raises while loading stops Ruby before minitest runs anything.
    if (read.tests.length === 0 && testStatus !== 0) return { ...read, problem: 'the tests did not load' };
    return read;
  },
};
