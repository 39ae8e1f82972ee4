import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tmpdir } from 'node:os';
import { BubblewrapSandbox, debianBwrap, defaultRunLimits, Runner, type Run } from '../src/index.ts';
import { python } from '../start-points/python/start-point.ts';
import { javascript } from '../start-points/javascript/start-point.ts';
import { sharedCacheDir, startTestRunner } from './test-runner.ts';

describe('a machine where bubblewrap is missing', () => {
  const missing = startTestRunner({ RUNNER_BWRAP: '/nonexistent/bwrap' });
  afterAll(missing.close);

  it('lists every language as unavailable, with the reason', async () => {
    const languages = await missing.runner.languages();
    expect(languages.length).toBeGreaterThan(0);
    for (const language of languages) {
      expect(language).toMatchObject({
        available: false,
        reason: 'bubblewrap is not installed at /nonexistent/bwrap (Debian package bubblewrap)',
      });
    }
  });

  it('refuses runs as unavailable and runs nothing', async () => {
    const started: Run[] = [];
    missing.runner.observer.on('newrun', (run) => started.push(run));
    await expect(missing.run('python', await missing.runner.kata('python'))).rejects.toMatchObject({
      code: 'unavailable',
      message:
        'Python 3 runs are unavailable: bubblewrap is not installed at /nonexistent/bwrap (Debian package bubblewrap)',
    });
    expect(started).toEqual([]);
  });
});

describe('requests the runner refuses before any sandbox starts', () => {
  const { runner, run, close, workDir } = startTestRunner({ RUNNER_SUBMITTED_KIB: '64' });
  afterAll(close);
  const started: Run[] = [];
  runner.observer.on('newrun', (r) => started.push(r));

  const refusals: [string, Record<string, string>, string][] = [
    ['a path that climbs out', { '../escape.py': 'x' }, 'the files cannot run: "../escape.py" must be a relative path'],
    ['an absolute path', { '/etc/passwd': 'x' }, 'the files cannot run: "/etc/passwd" must be a relative path'],
    ['a hidden file', { '.bashrc': 'x' }, 'the files cannot run: ".bashrc" must be a relative path'],
    [
      'a file that is also a folder',
      { a: 'x', 'a/b.py': 'y' },
      'the files cannot run: "a" is both a file and a folder',
    ],
    [
      'files over the size limit',
      { 'big.py': 'x'.repeat(65 * 1024 - 'big.py'.length) },
      'the files are 65 KiB together; a run takes at most 64 KiB',
    ],
  ];
  it.each(refusals)('refuses %s as invalid', async (_, files, message) => {
    await expect(run('python', files)).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining(message),
    });
  });

  it('refuses an unknown language and limits past their ceilings', async () => {
    await expect(runner.runTests({ language: 'cobol' as 'python', files: {} })).rejects.toMatchObject({
      code: 'invalid',
      message: 'there is no language "cobol"',
    });
    await expect(run('python', { 'a.py': '' }, { wallSeconds: 600 })).rejects.toMatchObject({
      code: 'invalid',
      message: expect.stringContaining('wallSeconds'),
    });
  });

  it('started no sandbox for any of them', async () => {
    expect(started).toEqual([]);
    const runs = await readdir(join(workDir, 'runs')).catch(() => []);
    expect(runs).toEqual([]);
  });
});

describe('a machine without one language’s toolchain', () => {
  const workDir = join(tmpdir(), `pocdojo-runner-test-${process.pid}-toolchain`);
  // Python's start point as it is, on a machine where pytest was never installed.
  const withoutPytest = {
    ...python,
    requires: [{ path: '/nonexistent/dist-packages/pytest', from: 'Debian package python3-pytest' }],
  };
  const runner = new Runner({
    sandbox: new BubblewrapSandbox({ bwrap: debianBwrap, workDir, hostUid: 65534, hostGid: 65534 }),
    startPoints: [withoutPytest, javascript],
    limits: { ...defaultRunLimits, wallSeconds: 60 },
    cacheDir: sharedCacheDir,
  });
  afterAll(() => rm(workDir, { recursive: true, force: true }));

  it('lists that language as unavailable with the package to install, and the others as available', async () => {
    expect(await runner.languages()).toEqual([
      {
        id: 'python',
        name: 'Python 3',
        testFramework: 'pytest',
        available: false,
        reason: 'this server has no /nonexistent/dist-packages/pytest (Debian package python3-pytest)',
      },
      { id: 'javascript', name: 'JavaScript', testFramework: 'node:test', available: true },
    ]);
  });

  it('refuses its runs as unavailable and still runs the others', async () => {
    await expect(runner.runTests({ language: 'python', files: await runner.kata('python') })).rejects.toMatchObject({
      code: 'unavailable',
    });
    const result = await runner.runTests({ language: 'javascript', files: await runner.kata('javascript') });
    expect(result.light).toBe('red');
  });
});
