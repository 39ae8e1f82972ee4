import { readLibtestEvents } from '../../src/reports/libtest-events.ts';
import { emptyReport } from '../../src/reports/test-report.ts';
import type { StartPoint } from '../../src/start-point.ts';

/**
 * Rust with Debian's rustc (not a rustup toolchain of the host's: /usr/bin/rustc is what the sandbox has),
 * no Cargo: lib.rs is the crate root, compiled with --test, and libtest's JSON events are the report.
 * JSON output is unstable in libtest; RUSTC_BOOTSTRAP=1 lets the stable test binary write it. Linking
 * std into the test binary is most of a build: gold links it in half the time of ld.bfd, one codegen unit
 * and no debug info shave the rest (measured: 1.2 s of CPU down to 0.6 s for the starter kata).
 */
export const rust: StartPoint = {
  id: 'rust',
  testFramework: 'libtest',
  kata: new URL('./kata/', import.meta.url),
  requires: [
    { path: '/usr/bin/rustc', from: 'Debian package rustc' },
    { path: '/usr/bin/cc', from: 'Debian package gcc (rustc links with it)' },
    { path: '/usr/bin/ld.gold', from: 'Debian package binutils' },
  ],
  mounts: [],
  env: { RUST_TEST_THREADS: '2' },
  build:
    '/usr/bin/rustc --edition 2021 --test -C debuginfo=0 -C strip=debuginfo -C codegen-units=1 ' +
    '-C link-arg=-fuse-ld=gold -o /tmp/tests lib.rs',
  test: 'RUSTC_BOOTSTRAP=1 /tmp/tests -Z unstable-options --format json > /tmp/report.json',
  report: '/tmp/report.json',
  read: (report) => (report === undefined ? emptyReport : readLibtestEvents(report)),
};
