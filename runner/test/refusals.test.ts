import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Run } from '../src/index.ts';
import { startTestRunner } from './test-runner.ts';

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
