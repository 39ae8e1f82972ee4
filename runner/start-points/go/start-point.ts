import { readGoTestEvents } from '../../src/reports/go-test-events.ts';
import { emptyReport } from '../../src/reports/test-report.ts';
import { hangReportSecondsWord, type StartPoint } from '../../src/start-point.ts';

/**
 * Go (Debian's golang-go) with `go test -json`. Modules only, never the network (GOPROXY=off): a kata
 * has its go.mod and no dependencies beyond the standard library, whose packages Go 1.19 ships compiled.
 * The build cache lives in the run's /tmp. vet is off: it doubles the time and a dojo runs tests.
 */
export const go: StartPoint = {
  id: 'go',
  testFramework: 'go test',
  kata: new URL('./kata/', import.meta.url),
  requires: [{ path: '/usr/bin/go', from: 'Debian package golang-go' }],
  mounts: [],
  env: {
    GOCACHE: '/tmp/go-cache',
    GOPATH: '/tmp/go',
    GOPROXY: 'off',
    GOFLAGS: '-mod=readonly',
    GOTOOLCHAIN: 'local',
    GOTELEMETRY: 'off',
    CGO_ENABLED: '0',
    // Threads scale with the cores Go sees; the sandbox's process limit counts threads.
    GOMAXPROCS: '2',
  },
  // A test still running after the hang-report time makes the test binary print every goroutine's stack
  // and stop (Go's -timeout counts from the binary's start, after the build), before the wall limit's kill.
  test: `/usr/bin/go test -json -vet=off -timeout ${hangReportSecondsWord}s ./... > /tmp/report.json`,
  report: '/tmp/report.json',
  read: (report) => (report === undefined ? emptyReport : readGoTestEvents(report)),
};
