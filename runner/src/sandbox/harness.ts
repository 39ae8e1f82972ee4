/**
 * The script that runs first inside a sandbox, and the frames it hands back on file descriptor 3.
 *
 * stdout and stderr of the build and the tests go to one pipe (the run's output, interleaved as printed).
 * Descriptor 3 carries what the runner trusts more: one line per finished step and then the report,
 *
 *   build <exit status>\n          (when there is a build step)
 *   test <exit status>\n           (when the build passed)
 *   processes full\n               (when the sandbox's process table was seen full)
 *   disk full\n                    (when the work directory, /tmp or /dev/shm is full)
 *   report\n<the report's bytes until the end>
 *
 * The steps run with descriptor 3 closed, so the code under test cannot write frames; it can still write
 * the report file, as it could make its own tests pass: the light is about the code, not a proof.
 * Every other inherited descriptor is closed first: nothing of the runner's process reaches the code.
 *
 * A watcher counts the sandbox's tasks (processes and threads, what RLIMIT_NPROC counts) ten times a
 * second with shell builtins only, so it still runs when a fork bomb has taken every other slot; it is
 * one of the job's processes. It waits on a FIFO of its own between looks, since `sleep` would need a fork.
 * When the table is full it says so and kills every other process of the sandbox: the run is over.
 */
export const harnessShell = '/bin/bash';
export const workDirectory = '/sandbox';
export const submittedDirectory = '/submitted';

export interface HarnessSteps {
  build?: string;
  test: string;
  report?: string;
  /** The task limit the watcher compares its count with. */
  processes: number;
  /** Bytes of the report handed back at most, plus one so that the runner sees it was cut. */
  reportBytes: number;
}

export function harnessScript(steps: HarnessSteps): string {
  const lines = [
    'for fd in /proc/$$/fd/*; do fd=${fd##*/}; if [ "$fd" -gt 3 ]; then exec {fd}>&-; fi; done',
    'exec 2>&1 </dev/null',
    `cp -R ${submittedDirectory}/. ${workDirectory}/ || exit 125`,
    `cd ${workDirectory} || exit 125`,
    'mkfifo /dev/shm/.runner-tick && exec {tick}<>/dev/shm/.runner-tick && rm /dev/shm/.runner-tick || exit 125',
    '(',
    '  while :; do',
    '    set -- /proc/[0-9]*/task/[0-9]*',
    `    if [ $# -ge ${steps.processes - 1} ]; then echo "processes full" >&3; while kill -KILL -1 2>/dev/null; do :; done; exit 0; fi`,
    '    read -r -t 0.1 -u $tick',
    '  done',
    ') &',
    'watcher=$!',
    // From here the harness's own stderr is not the run's output: a step killed by a limit makes bash report
    // the job ("line 22: 22 CPU time limit exceeded ( /usr/lib/jvm/… )"), the sandbox's command line and not
    // anything the code printed; the light already says which limit stopped it. The steps keep theirs.
    'exec 2>/dev/null',
  ];
  if (steps.build !== undefined) {
    lines.push(`( ${steps.build}\n) 2>&1 3>&- {tick}>&-`, 'status=$?', 'echo "build $status" >&3');
    lines.push('if [ "$status" -eq 0 ]; then');
  } else {
    lines.push('if true; then');
  }
  lines.push(`( ${steps.test}\n) 2>&1 3>&- {tick}>&-`, 'echo "test $?" >&3', 'fi');
  lines.push('kill $watcher 2>/dev/null; wait $watcher 2>/dev/null');
  lines.push(
    `for dir in ${workDirectory} /tmp /dev/shm; do if [ "$(stat -f -c %a "$dir")" -eq 0 ]; then echo "disk full" >&3; break; fi; done`,
  );
  // head, not cat: the code could have made the report a FIFO or a link to /dev/zero.
  if (steps.report !== undefined) {
    lines.push('echo report >&3', `head -c ${steps.reportBytes + 1} ${steps.report} >&3 2>/dev/null`);
  }
  lines.push('exit 0');
  return lines.join('\n');
}

export interface HarnessFrames {
  buildStatus?: number;
  testStatus?: number;
  diskFull: boolean;
  processesFull: boolean;
  /** Where the report's bytes start in the frames, or undefined when no report followed. */
  reportOffset?: number;
}

/** Reads the step lines from the start of what descriptor 3 carried; the report follows them. */
export function readHarnessFrames(frames: Buffer): HarnessFrames {
  const result: HarnessFrames = { diskFull: false, processesFull: false };
  let offset = 0;
  while (offset < frames.length) {
    const end = frames.indexOf(0x0a, offset);
    if (end === -1) break;
    const line = frames.subarray(offset, end).toString('latin1');
    offset = end + 1;
    const step = /^(build|test) (\d+)$/.exec(line);
    if (step) {
      const status = Number(step[2]);
      if (step[1] === 'build') result.buildStatus = status;
      else result.testStatus = status;
    } else if (line === 'disk full') {
      result.diskFull = true;
    } else if (line === 'processes full') {
      result.processesFull = true;
    } else if (line === 'report') {
      result.reportOffset = offset;
      break;
    } else {
      break;
    }
  }
  return result;
}
