import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { TypeScriptChecker } from '../../src/checks/type-checker.ts';
import type { StartPoint } from '../../src/start-point.ts';
import { nodeMounts, nodeReport, nodeRequirement, nodeTestCommand, readNodeJunit } from '../node-test-runner.ts';

/** esbuild's native binary for this machine, from the runner's own dependencies. */
function esbuildBinary(): string {
  try {
    const packageJson = createRequire(import.meta.url).resolve(
      `@esbuild/${process.platform}-${process.arch}/package.json`,
    );
    return join(dirname(packageJson), 'bin', 'esbuild');
  } catch {
    return `@esbuild/${process.platform}-${process.arch}/bin/esbuild`; // not installed: unavailable, with the reason
  }
}

const esbuild = esbuildBinary();
const built = '/tmp/build';

/**
 * TypeScript on Node's test runner. esbuild strips the types and bundles each *.test.ts with what it
 * imports (so `./x.ts` and `./x.js` specifiers both resolve) into /tmp/build, with inline source maps
 * for stack traces that point at the .ts lines; a syntax error is amber ("did not compile"). esbuild does
 * not check types, so a warm TypeScript checker (src/checks/type-checker.ts) checks them beside the
 * run, and a type error is amber too ("did not type-check").
 */
export const typescript: StartPoint = {
  id: 'typescript',
  testFramework: 'node:test',
  kata: new URL('./kata/', import.meta.url),
  requires: [nodeRequirement, { path: esbuild, from: "the runner's npm package esbuild (npm ci)" }],
  mounts: [...nodeMounts, { host: esbuild, at: '/opt/esbuild/esbuild' }],
  env: {},
  build:
    "set -- $(find . -name node_modules -prune -o -type f \\( -name '*.test.ts' -o -name '*.test.mts' \\) -print)\n" +
    `[ $# -eq 0 ] || /opt/esbuild/esbuild "$@" --bundle --platform=node --format=esm --packages=external ` +
    `--outdir=${built} --outbase=. --out-extension:.js=.mjs --sourcemap=inline --log-level=warning`,
  test: `mkdir -p ${built} && cd ${built} && ${nodeTestCommand('--enable-source-maps ')}`,
  report: nodeReport,
  read: (report) => readNodeJunit(report, built),
  check: new TypeScriptChecker(),
};
