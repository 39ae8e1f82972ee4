import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, chown, lstat, mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { DomainError } from '@pocdojo/shared';
import type { RunFiles } from '@pocdojo/shared/contract/runs';
import { defaultRunLimits } from '../run-limits.ts';
import { CappedStream } from './capped-stream.ts';
import { harnessScript, harnessShell, readHarnessFrames, submittedDirectory, workDirectory } from './harness.ts';
import type { Availability, CappedText, Mount, Sandbox, SandboxJob, SandboxOutcome } from './sandbox.ts';

/** Where Debian's `bubblewrap` package installs it. */
export const debianBwrap = '/usr/bin/bwrap';

export interface BubblewrapOptions {
  bwrap: string;
  /** A directory of the runner's: each run's submitted files (briefly) and the sandbox's own /etc files. */
  workDir: string;
  /**
   * The host user the sandboxes run as when the runner is root: an unprivileged one, so that code which
   * got out of every namespace would still be nobody. Ignored (the runner's own user) when not root.
   */
  hostUid: number;
  hostGid: number;
}

/** The user the code runs as inside: an ordinary user of the sandbox's own /etc/passwd. */
const insideUid = 1000;
const insideGid = 1000;

/** The report is the test framework's, trusted more than the output but still written by the run. */
const reportCap = 8 * 1024 * 1024;
const diagnosticsCap = 8 * 1024;
const selfTestSeconds = 20;

/**
 * /etc entries toolchains read (the dynamic loader's cache, the alternatives Debian points /usr/bin/java
 * and friends through). Only these: not /etc/shadow, not the host's users, hosts or keys.
 */
const systemEtc = ['/etc/ld.so.cache', '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/alternatives'];

/**
 * One fresh bubblewrap sandbox per job (bubblewrap 0.8, Debian's `bubblewrap`): new user, pid, network, ipc,
 * uts and cgroup namespaces; no network but its own loopback; no capabilities; the host's /usr and a few
 * /etc entries read-only; the work directory, /tmp and /dev/shm private tmpfs of `diskBytes` each; every
 * other path of the root read-only; rlimits set by prlimit(1) before the harness runs; an empty
 * environment for bubblewrap itself (its own environment would show through /proc/1/environ) and a
 * minimal one for the code. Killing bubblewrap's process group kills the pid namespace's init, and with
 * it every process of the job.
 */
export class BubblewrapSandbox implements Sandbox {
  private availability: Promise<Availability> | undefined;
  private readonly runningAsRoot = process.getuid?.() === 0;

  constructor(private readonly options: BubblewrapOptions) {}

  /** Cached: a self-test at first use. A failing one makes every run refused, never run unsandboxed. */
  check(): Promise<Availability> {
    this.availability ??= this.selfTest();
    return this.availability;
  }

  async run(job: SandboxJob): Promise<SandboxOutcome> {
    const availability = await this.check();
    if (!availability.ok) throw new DomainError('unavailable', `runs are unavailable: ${availability.reason}`);
    return this.runJob(job);
  }

  private async selfTest(): Promise<Availability> {
    if (process.platform !== 'linux') {
      return { ok: false, reason: `sandboxed runs need Linux and bubblewrap; this server runs on ${process.platform}` };
    }
    try {
      await access(this.options.bwrap, constants.X_OK);
    } catch {
      return {
        ok: false,
        reason: `bubblewrap is not installed at ${this.options.bwrap} (Debian package bubblewrap)`,
      };
    }
    try {
      await this.prepareWorkDir();
      const outcome = await this.runJob({
        files: { 'probe.txt': 'sandbox ready' },
        test: 'cat probe.txt',
        env: {},
        mounts: [],
        limits: { ...defaultRunLimits, wallSeconds: selfTestSeconds, cpuSeconds: selfTestSeconds },
      });
      if (outcome.testStatus === 0 && outcome.output.text === 'sandbox ready') return { ok: true };
      const said = outcome.output.text.trim().split('\n')[0] ?? '';
      return { ok: false, reason: `bubblewrap cannot create a sandbox here${said ? `: ${said}` : ''}` };
    } catch (error) {
      return { ok: false, reason: `bubblewrap cannot create a sandbox here: ${(error as Error).message}` };
    }
  }

  /**
   * The runner's directories: `runs/` can be passed through but not listed (each run's own directory is
   * 0700, owned by the sandbox's host user); `etc/` holds the sandbox's own /etc/passwd and /etc/group,
   * so tools that look their user up find one.
   */
  private async prepareWorkDir(): Promise<void> {
    await mkdir(this.options.workDir, { recursive: true, mode: 0o711 });
    await mkdir(join(this.options.workDir, 'runs'), { recursive: true, mode: 0o711 });
    const etc = join(this.options.workDir, 'etc');
    await mkdir(etc, { recursive: true, mode: 0o755 });
    await writeFile(
      join(etc, 'passwd'),
      `root:x:0:0:root:/:/usr/sbin/nologin\nsandbox:x:${insideUid}:${insideGid}:sandbox:${workDirectory}:/bin/sh\n` +
        'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
    );
    await writeFile(join(etc, 'group'), `root:x:0:\nsandbox:x:${insideGid}:\nnogroup:x:65534:\n`);
    await writeFile(join(etc, 'hostname'), 'sandbox\n');
  }

  private async runJob(job: SandboxJob): Promise<SandboxOutcome> {
    const started = performance.now();
    const runDir = join(this.options.workDir, 'runs', randomUUID());
    try {
      const filesDir = join(runDir, 'files');
      await this.writeFiles(runDir, filesDir, job.files);
      await this.prepareWritableMounts(job.mounts);
      const outcome = await this.spawnJob(job, await this.bwrapArguments(job, filesDir), started);
      return outcome;
    } finally {
      await rm(runDir, { recursive: true, force: true });
      await this.restoreWritableMounts(job.mounts);
    }
  }

  private async writeFiles(runDir: string, filesDir: string, files: RunFiles): Promise<void> {
    await mkdir(runDir, { mode: 0o700 });
    await mkdir(filesDir, { mode: 0o755 });
    const owned = [runDir, filesDir];
    for (const [path, text] of Object.entries(files)) {
      const target = resolve(filesDir, path);
      if (!target.startsWith(filesDir + sep)) throw new DomainError('invalid', `the file path ${path} leaves the run`);
      for (let dir = dirname(target); dir !== filesDir; dir = dirname(dir)) owned.push(dir);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await writeFile(target, text, { flag: 'wx', mode: 0o644 });
      owned.push(target);
    }
    // The host user the sandbox runs as reads them through the bind mount; nobody else can (0700 above).
    if (this.runningAsRoot) {
      for (const path of new Set(owned)) await chown(path, this.options.hostUid, this.options.hostGid);
    }
  }

  private async prepareWritableMounts(mounts: Mount[]): Promise<void> {
    if (!this.runningAsRoot) return;
    for (const mount of mounts.filter((m) => m.writable)) {
      await chown(mount.host, this.options.hostUid, this.options.hostGid);
    }
  }

  /** A writable mount is one of the runner's caches: once built, it belongs to the runner again. */
  private async restoreWritableMounts(mounts: Mount[]): Promise<void> {
    if (!this.runningAsRoot) return;
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    for (const mount of mounts.filter((m) => m.writable)) await chownTree(mount.host, uid, gid);
  }

  private async bwrapArguments(job: SandboxJob, filesDir: string): Promise<string[]> {
    const { limits } = job;
    const etc = join(this.options.workDir, 'etc');
    const args = [
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--hostname',
      'sandbox',
      '--uid',
      String(insideUid),
      '--gid',
      String(insideGid),
      '--cap-drop',
      'ALL',
      '--info-fd',
      '4',
      '--ro-bind',
      '/usr',
      '/usr',
    ];
    // Merged-/usr systems link /bin, /lib… into /usr; others have real directories to bind.
    for (const top of ['/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32']) {
      const stat = await lstat(top).catch(() => undefined);
      if (stat?.isSymbolicLink()) args.push('--symlink', await readlink(top), top);
      else if (stat?.isDirectory()) args.push('--ro-bind', top, top);
    }
    for (const path of systemEtc) args.push('--ro-bind-try', path, path);
    for (const name of ['passwd', 'group', 'hostname']) args.push('--ro-bind', join(etc, name), `/etc/${name}`);
    args.push('--proc', '/proc', '--dev', '/dev');
    for (const dir of [workDirectory, '/tmp', '/dev/shm'])
      args.push('--size', String(limits.diskBytes), '--tmpfs', dir);
    args.push('--ro-bind', filesDir, submittedDirectory);
    for (const mount of job.mounts) args.push(mount.writable ? '--bind-try' : '--ro-bind-try', mount.host, mount.at);
    // Nothing else is writable: not the root directory's tmpfs, not /dev (bwrap makes both writable).
    args.push('--remount-ro', '/dev', '--remount-ro', '/');
    args.push('--clearenv');
    const env = {
      PATH: '/usr/local/bin:/usr/bin:/bin',
      HOME: workDirectory,
      USER: 'sandbox',
      LANG: 'C.UTF-8',
      TMPDIR: '/tmp',
      ...job.env,
    };
    for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
    args.push('--chdir', workDirectory, '--');
    args.push(
      '/usr/bin/prlimit',
      `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
      `--data=${limits.memoryBytes}`,
      `--nproc=${limits.processes}`,
      `--fsize=${limits.fileBytes}`,
      `--nofile=${limits.openFiles}`,
      '--core=0',
      '--',
      harnessShell,
      '-c',
      harnessScript({ ...job, processes: limits.processes, reportBytes: reportCap }),
    );
    return args;
  }

  private async spawnJob(job: SandboxJob, args: string[], started: number): Promise<SandboxOutcome> {
    const child = spawn(this.options.bwrap, args, {
      // bubblewrap's own environment is what /proc/1/environ shows inside: give it none.
      env: {},
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      detached: true,
      ...(this.runningAsRoot ? { uid: this.options.hostUid, gid: this.options.hostGid } : {}),
    });
    const pipe = (fd: number): Readable => {
      const stream = child.stdio[fd];
      if (!(stream instanceof Readable)) throw new Error(`bubblewrap's descriptor ${fd} is not readable`);
      return stream;
    };
    const output = new CappedStream(pipe(1), job.limits.outputBytes);
    const diagnostics = new CappedStream(pipe(2), diagnosticsCap);
    // The step lines come first, a few dozen bytes; then the report, cut one byte past its cap.
    const harness = new CappedStream(pipe(3), reportCap + 1024);
    const namespace = new CappedStream(pipe(4), 4096);

    let limitHit: SandboxOutcome['limitHit'];
    let cancelled = false;
    // bubblewrap's group: its death takes the namespace's init (--die-with-parent) and so every process.
    const kill = () => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone: nothing left to stop.
      }
    };
    const timer = setTimeout(() => {
      limitHit = 'time';
      kill();
    }, job.limits.wallSeconds * 1000);
    const onAbort = () => {
      cancelled = true;
      kill();
    };
    job.signal?.addEventListener('abort', onAbort, { once: true });
    if (job.signal?.aborted) onAbort();

    const exited = new Promise<void>((done, failed) => {
      child.once('error', failed);
      child.once('close', () => done());
    });
    try {
      await exited;
    } finally {
      clearTimeout(timer);
      job.signal?.removeEventListener('abort', onAbort);
    }
    await Promise.all([output.ended, diagnostics.ended, harness.ended, namespace.ended]);
    await namespaceGone(namespace.buffer());

    const frameBytes = harness.buffer();
    const steps = readHarnessFrames(frameBytes);
    const statuses = [steps.buildStatus, steps.testStatus];
    if (steps.processesFull) limitHit = 'processes';
    limitHit ??= statuses.includes(128 + signalNumbers.SIGXCPU)
      ? 'cpu'
      : statuses.includes(128 + signalNumbers.SIGXFSZ)
        ? 'files'
        : steps.diskFull
          ? 'disk'
          : output.bytes > job.limits.outputBytes
            ? 'output'
            : undefined;

    let report: CappedText | undefined;
    if (steps.reportOffset !== undefined) {
      const text = harness.text(steps.reportOffset);
      report = { ...text, truncated: text.bytes > reportCap };
    }
    const captured = output.text();
    const said = diagnostics.text().text;
    return {
      buildStatus: steps.buildStatus,
      testStatus: steps.testStatus,
      // bubblewrap speaks on its own stderr only when it could not set the sandbox up.
      output: said ? { ...captured, text: captured.text + said } : captured,
      report,
      limitHit,
      cancelled,
      durationMs: Math.round(performance.now() - started),
    };
  }
}

const signalNumbers = { SIGXCPU: 24, SIGXFSZ: 25 } as const;

/**
 * Resolves once the pid namespace's init (bubblewrap's --info-fd names it) has exited: the kernel kills and
 * reaps every other process of a namespace before its init exits, so then nothing of the job is left. The
 * init's parent exits first, so the exited init lingers as a zombie until the host's reaper collects it.
 * Killing bubblewrap's group reaches that init through --die-with-parent, a moment later.
 */
async function namespaceGone(info: Buffer): Promise<void> {
  let described: Record<string, unknown>;
  try {
    described = JSON.parse(info.toString('utf8')) as Record<string, unknown>;
  } catch {
    return; // bubblewrap never started a namespace
  }
  const init = described['child-pid'];
  const namespace = described['pid-namespace'];
  if (typeof init !== 'number' || typeof namespace !== 'number') return;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const link = await readlink(`/proc/${init}/ns/pid`).catch(() => undefined);
    if (link !== `pid:[${namespace}]`) return; // gone, or the pid is another process's by now
    const stat = await readFile(`/proc/${init}/stat`, 'latin1').catch(() => '');
    // The state follows the command name, which is in parentheses and may itself hold any character.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === '' || state === 'Z' || state === 'X') return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat) return;
  await chown(path, uid, gid);
  if (!stat.isDirectory()) return;
  for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
}
