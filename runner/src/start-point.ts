import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LanguageId, RunFiles } from '@pocdojo/shared/contract/runs';
import type { TestReport } from './reports/test-report.ts';
import type { RunLimits } from './run-limits.ts';
import type { Mount } from './sandbox/sandbox.ts';

/** A host path a toolchain needs, and what installs it ("Debian package g++"), for the "unavailable" reason. */
export interface Requirement {
  path: string;
  from: string;
}

/**
 * A language as a dojo starts it (cyber-dojo's "start point"): the starter kata, how to build and test it
 * inside a sandbox, and how to read the test framework's machine-readable report. Each lives in its own
 * folder, runner/start-points/<id>/, with the kata's files under kata/.
 */
export interface StartPoint {
  id: LanguageId;
  testFramework: string;
  /** The starter kata's folder: a fresh dojo's files, with a failing test so that it starts red. */
  kata: URL;
  /** Checked before a run; a missing one makes the language unavailable, with the package to install. */
  requires: Requirement[];
  /** Host paths beyond /usr and the sandbox's /etc that the toolchain reads, mounted read-only. */
  mounts: Mount[];
  env: Record<string, string>;
  /** Shell text run in the work directory; a non-zero exit means the code did not compile. */
  build?: string;
  /** Shell text that runs the tests and writes `report`. */
  test: string;
  report: string;
  /** The report as the sandbox handed it back (undefined when there was none), and the test step's status. */
  read(report: string | undefined, testStatus: number | undefined): TestReport;
  /**
   * Work the runner does once per toolchain (a precompiled test main, a class-data archive) in a sandbox of
   * its own, with the starter kata as its files, before the first run; runs see the result read-only at
   * /opt/cache.
   */
  cache?: { build: string };
  /**
   * A check of the code beside the run, for what the build does not catch (TypeScript's types: esbuild
   * only strips them). A check that fails makes the run amber with its message and output.
   */
  check?: CodeCheck;
}

export type CheckVerdict = { ok: true } | { ok: false; message: string; output: string };

export interface CodeCheck {
  /** Readies the check with the starter kata before the first run; throws when it cannot run here. */
  warm(files: RunFiles): Promise<void>;
  /** Throws when the check itself failed (then the run's own light stands). */
  check(files: RunFiles, timeoutMs: number): Promise<CheckVerdict>;
}

export const cacheMountPoint = '/opt/cache';

/**
 * Every run's environment holds, under this name, how many seconds one test may run before a start point
 * whose framework can say where a test is (a stack dump) should do so: a run killed at the wall limit then
 * shows the line that never finished instead of "the run printed nothing". Seven tenths of the wall limit,
 * so that the dump comes before the kill even after the sandbox's and the framework's own start.
 */
export const hangReportVariable = 'RUN_HANG_REPORT_SECONDS';

/** Its value as a word of a start point's shell text: `-timeout ${hangReportSecondsWord}s`. */
export const hangReportSecondsWord = `"$${hangReportVariable}"`;

export const hangReportSeconds = (limits: RunLimits): number => Math.max(1, Math.floor(limits.wallSeconds * 0.7));

/** Reads a start point's kata folder into the files a run (or a fresh dojo) starts with. */
export async function loadKata(startPoint: StartPoint): Promise<RunFiles> {
  const root = fileURLToPath(startPoint.kata);
  const files: RunFiles = {};
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files[relative(root, path).split(sep).join('/')] = await readFile(path, 'utf8');
    }
  };
  await walk(root);
  return files;
}
