import { junitTestCases, readJunit } from '../../src/reports/junit-report.ts';
import { emptyReport } from '../../src/reports/test-report.ts';
import { cacheMountPoint, type StartPoint } from '../../src/start-point.ts';

/** Compiler flags the cached objects were built with; a precompiled header is used only under the same. */
const flags = '-std=c++17';

/**
 * C++ with g++ and Catch2 v2 (Debian bookworm's catch2 is header-only 2.13). Compiling Catch2's main takes
 * seconds, so the runner builds it once into its cache with a precompiled <catch2/catch.hpp>; a run
 * compiles only the kata, and gold links it (a third of ld.bfd's time with Catch2's main in the link).
 * Catch2 writes JUnit XML; its failure texts are what a person reads.
 */
export const cpp: StartPoint = {
  id: 'cpp',
  testFramework: 'Catch2',
  kata: new URL('./kata/', import.meta.url),
  requires: [
    { path: '/usr/bin/g++', from: 'Debian package g++' },
    { path: '/usr/include/catch2/catch.hpp', from: 'Debian package catch2' },
    { path: '/usr/bin/ld.gold', from: 'Debian package binutils' },
  ],
  mounts: [],
  env: {},
  cache: {
    build: [
      `mkdir -p ${cacheMountPoint}/include/catch2`,
      "printf '#define CATCH_CONFIG_MAIN\\n#include <catch2/catch.hpp>\\n' > /tmp/catch-main.cpp",
      `g++ ${flags} -c /tmp/catch-main.cpp -o ${cacheMountPoint}/catch-main.o`,
      `g++ ${flags} -w -x c++-header /usr/include/catch2/catch.hpp -o ${cacheMountPoint}/include/catch2/catch.hpp.gch`,
    ].join(' && '),
  },
  build:
    `/usr/bin/g++ ${flags} -I${cacheMountPoint}/include -fuse-ld=gold -o /tmp/tests $(find . -name '*.cpp') ` +
    `${cacheMountPoint}/catch-main.o`,
  test: '/tmp/tests --reporter junit --out /tmp/report.xml',
  report: '/tmp/report.xml',
  read(report) {
    if (report === undefined) return emptyReport;
    const cases = readJunit(report);
    const failures = cases.filter((c) => c.outcome === 'failure' || c.outcome === 'error');
    return {
      // An unexpected exception is Catch2's <error>: the test ran and failed.
      tests: junitTestCases(cases, 'failed'),
      outOfMemory: failures.some((c) => c.message === 'std::bad_alloc'),
      display: failures.map((c) => `${c.name}\n${c.detail ?? c.message ?? ''}\n`).join('\n'),
    };
  },
};
