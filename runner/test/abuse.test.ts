import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestRunner } from './test-runner.ts';

/**
 * What a participant's code may try, each through the real sandbox: every attempt ends in a light and a
 * sentence, and nothing of it reaches the runner, the machine or another run. Python and Ruby carry the
 * attacks because they start fast; the sandbox is the same for every language.
 */
const { run, runner, close } = startTestRunner();
afterAll(close);

const token = () => randomBytes(4).toString('hex');
const py = (...lines: string[]) => lines.join('\n') + '\n';

/** Command names of every process on the machine: how a test sees what a run left behind. */
async function processNames(): Promise<string[]> {
  const { stdout } = await promisify(execFile)('ps', ['-e', '-o', 'comm=']);
  return stdout.split('\n').map((name) => name.trim());
}

describe('a run that never ends', () => {
  it('is amber, timed out after the wall limit, and leaves no process behind', async () => {
    const marker = `loop${token()}`;
    const started = performance.now();
    const result = await run(
      'python',
      {
        'test_loop.py': py(
          'def test_forever():',
          `    open("/proc/self/comm", "w").write("${marker}")`,
          '    while True:',
          '        pass',
        ),
      },
      { wallSeconds: 2 },
    );
    expect(result).toMatchObject({ light: 'amber', message: 'timed out after 2 s', limitHit: 'time' });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(await processNames()).not.toContain(marker);
  });

  it('shows where a Python test was stuck when the run was stopped', async () => {
    const result = await run(
      'python',
      {
        'spin.py': py('def spin():', '    while True:', '        pass'),
        'test_spin.py': py('from spin import spin', '', 'def test_spins():', '    spin()'),
      },
      // The dump comes at seven tenths of it, 7 s: pytest's start-up has 3 s even on a machine busy with CI.
      { wallSeconds: 10 },
    );
    expect(result).toMatchObject({ light: 'amber', message: 'timed out after 10 s', limitHit: 'time' });
    // The loop's line where the dump caught it: the `while` (2) or its body (3).
    expect(result.output).toMatch(/File ".*spin\.py", line [23] in spin/);
    expect(result.output).toMatch(/File ".*test_spin\.py", line 4 in test_spins/);
  });

  it('shows where a Go test was stuck: Go stops it itself, before the wall limit', async () => {
    const result = await run(
      'go',
      {
        'go.mod': 'module spin\n\ngo 1.19\n',
        'spin.go': 'package spin\n\nfunc Spin() {\n\tfor {\n\t}\n}\n',
        'spin_test.go': 'package spin\n\nimport "testing"\n\nfunc TestSpins(t *testing.T) {\n\tSpin()\n}\n',
      },
      // Seven tenths of it, 10 s, is Go's own limit; the rest leaves the build its time on a busy machine.
      { wallSeconds: 15 },
    );
    expect(result).toMatchObject({ light: 'amber', message: 'timed out after 10 s', limitHit: 'time' });
    expect(result.output).toMatch(/spin\.Spin\(\.\.\.\)\n\t\/sandbox\/spin\.go:[45]/);
    expect(result.output).toMatch(/spin\.TestSpins\(.*\)\n\t\/sandbox\/spin_test\.go:6/);
  });
});

describe('a fork bomb', () => {
  it('is amber at the process limit, stopped at once, and leaves no process behind', async () => {
    const marker = `bomb${token()}`;
    const result = await run(
      'python',
      {
        'test_bomb.py': py(
          'import os, time',
          '',
          'def test_bomb():',
          `    open("/proc/self/comm", "w").write("${marker}")`,
          '    while True:',
          '        try:',
          '            os.fork()',
          '        except OSError:',
          '            time.sleep(0.01)',
        ),
      },
      { wallSeconds: 10, processes: 32 },
    );
    expect(result).toMatchObject({
      light: 'amber',
      message: 'stopped: it started more than 32 processes and threads',
      limitHit: 'processes',
    });
    expect(result.durationMs).toBeLessThan(10_000);
    expect(await processNames()).not.toContain(marker);
  });
});

describe('a run that prints 100 MB', () => {
  it('keeps the first 64 KiB with a note, drops the rest as it comes, and still reads the light', async () => {
    const result = await run('ruby', {
      'noise_test.rb': [
        "require 'minitest/autorun'",
        'class NoiseTest < Minitest::Test',
        '  def test_noise',
        "    megabyte = 'x' * (1024 * 1024)",
        '    100.times { $stdout.write(megabyte) }',
        '    $stdout.flush',
        '  end',
        'end',
        '',
      ].join('\n'),
    });
    expect(result).toMatchObject({
      light: 'green',
      message: 'the test passed',
      outputTruncated: true,
      limitHit: 'output',
    });
    expect(result.output).toMatch(/\n\[output cut at 64 KiB: the run printed 100\.\d MiB in all\]\n$/);
    expect(result.output.length).toBeLessThan(64 * 1024 + 200);
    expect(result.durationMs).toBeLessThan(15_000);
  });
});

describe('a run that reaches for the network', () => {
  it('cannot connect to the runner’s machine or anywhere else: its tests fail, red', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    try {
      const result = await run('python', {
        'test_network.py': py(
          'import socket',
          '',
          'def test_reaches_the_host():',
          `    socket.create_connection(("127.0.0.1", ${port}), timeout=2).close()`,
          '',
          'def test_reaches_the_internet():',
          '    socket.create_connection(("1.1.1.1", 53), timeout=2).close()',
        ),
      });
      expect(result).toMatchObject({
        light: 'red',
        failed: 2,
        failing: ['test_reaches_the_host', 'test_reaches_the_internet'],
      });
      expect(result.output).toContain('ConnectionRefusedError');
      expect(result.output).toContain('Network is unreachable');
      expect(connections).toBe(0);
    } finally {
      server.close();
    }
  });
});

describe('a run that reads the machine’s secrets', () => {
  it('finds no /etc/shadow, and an /etc of a few toolchain entries only', async () => {
    const result = await run('python', {
      'test_steal.py': py(
        'import os',
        '',
        'def test_lists_etc():',
        '    print("etc:", sorted(os.listdir("/etc")))',
        '',
        'def test_reads_shadow():',
        '    print(open("/etc/shadow").read())',
      ),
    });
    expect(result).toMatchObject({ light: 'red', passed: 1, failing: ['test_reads_shadow'] });
    expect(result.output).toContain("FileNotFoundError: [Errno 2] No such file or directory: '/etc/shadow'");
    expect(result.output).toContain(
      "etc: ['alternatives', 'group', 'hostname', 'ld.so.cache', 'ld.so.conf', 'ld.so.conf.d', 'passwd']",
    );
  });

  it('sees none of the runner’s environment, not even through /proc/1/environ', async () => {
    const secret = `secret-${token()}`;
    process.env.RUNNER_TEST_SECRET = secret;
    try {
      const result = await run('python', {
        'test_environment.py': py(
          'import glob, os',
          '',
          'def test_prints_every_environment():',
          '    print("own:", dict(os.environ))',
          '    for path in glob.glob("/proc/*/environ"):',
          '        try:',
          '            print(path, open(path, "rb").read())',
          '        except OSError as error:',
          '            print(path, error)',
        ),
      });
      expect(result.light).toBe('green');
      expect(result.output).toContain("'PATH': '/usr/local/bin:/usr/bin:/bin'");
      expect(result.output).toContain('/proc/1/environ');
      expect(result.output).not.toContain(secret);
      expect(result.output).not.toContain('RUNNER_TEST_SECRET');
    } finally {
      delete process.env.RUNNER_TEST_SECRET;
    }
  });
});

describe('two runs at once', () => {
  it('cannot see each other’s files or processes', async () => {
    const secret = `secret${token()}`;
    // The first run writes its files and waits; the second searches the whole tree meanwhile.
    const first = await runner.start({
      language: 'ruby',
      files: {
        'hold_test.rb': [
          "require 'minitest/autorun'",
          'class HoldTest < Minitest::Test',
          '  def test_holds_a_secret',
          `    File.write('/sandbox/${secret}.txt', '${secret}')`,
          `    File.write('/tmp/${secret}.txt', '${secret}')`,
          `    File.write('/proc/self/comm', '${secret}')`,
          '    $stdout.puts "written at #{Time.now.to_f}"',
          '    $stdout.flush',
          '    sleep 25',
          '  end',
          'end',
          '',
        ].join('\n'),
      },
      limits: { wallSeconds: 30 },
    });
    // The first run names its process after the secret once its files are written: then the search starts.
    while (!(await processNames()).includes(secret)) await new Promise((resolve) => setTimeout(resolve, 100));
    const second = await run('python', {
      'test_search.py': py(
        'import os, time',
        '',
        'def test_finds_nothing_of_the_other_run():',
        '    print("searched at", time.time())',
        '    found = []',
        '    for root, dirs, files in os.walk("/"):',
        '        if root == "/proc":',
        '            dirs[:] = [d for d in dirs if d.isdigit()]',
        '        for name in files + dirs:',
        `            if "${secret}" in name:`,
        '                found.append(os.path.join(root, name))',
        '    names = [open(f"/proc/{pid}/comm").read().strip() for pid in os.listdir("/proc") if pid.isdigit()]',
        `    assert found == [] and "${secret}" not in names, found`,
        '    print("processes:", names)',
      ),
    });
    first.cancel();
    const held = await first.result;

    expect(second).toMatchObject({ light: 'green', message: 'the test passed' });
    expect(held).toMatchObject({ light: 'amber', message: 'cancelled before it finished' });
    const writtenAt = Number(/written at ([\d.]+)/.exec(held.output)?.[1]);
    const searchedAt = Number(/searched at ([\d.]+)/.exec(second.output)?.[1]);
    expect(writtenAt).toBeLessThan(searchedAt);
    expect(second.output).not.toContain(secret);
  });
});

describe('a run that writes outside its work directory', () => {
  it('can write nowhere but its own work directory, /tmp and /dev/shm', async () => {
    const name = `escape-${token()}`;
    const targets = ['/', '/usr', '/etc', '/bin', '/submitted', '/opt', '/dev', '/proc', '/var'];
    const result = await run('python', {
      'test_escape.py': py(
        'import os',
        '',
        'def test_writes_everywhere():',
        '    written = []',
        `    for folder in ${JSON.stringify(targets)}:`,
        '        try:',
        `            open(os.path.join(folder, "${name}"), "w").write("x")`,
        '            written.append(folder)',
        '        except OSError as error:',
        '            print(folder, error.strerror)',
        '    assert written == [], written',
        `    for folder in ["/sandbox", "/tmp", "/dev/shm"]:`,
        `        open(os.path.join(folder, "${name}"), "w").write("x")`,
      ),
    });
    expect(result).toMatchObject({ light: 'green' });
    expect(result.output).toContain('/usr Read-only file system');
    for (const folder of [...targets, '/tmp', '/dev/shm']) expect(existsSync(`${folder}/${name}`)).toBe(false);
  });
});

describe('a run that eats memory', () => {
  it('is amber, out of memory at the limit', async () => {
    const result = await run('python', {
      'test_hog.py': py('def test_hog():', '    hog = bytearray(2 * 1024 * 1024 * 1024)', '    assert hog'),
    });
    expect(result).toMatchObject({ light: 'amber', message: 'ran out of memory (limit 512 MiB)', limitHit: 'memory' });
  });
});

describe('a run that fills its disk', () => {
  it('is amber when its work directory is full', async () => {
    const result = await run(
      'python',
      {
        'test_fill.py': py(
          'def test_fill():',
          '    with open("/sandbox/filler", "wb") as out:',
          '        while True:',
          '            out.write(b"x" * 1024 * 1024)',
        ),
      },
      { diskBytes: 16 * 1024 * 1024 },
    );
    expect(result).toMatchObject({
      light: 'amber',
      message: 'stopped: it filled its 16 MiB of disk',
      limitHit: 'disk',
    });
    expect(result.output).toContain('No space left on device');
  });
});

describe('a run that burns every core', () => {
  it('is amber once a process has used its CPU time, before the wall limit', async () => {
    const result = await run(
      'python',
      {
        'test_burn.py': py(
          'import threading',
          '',
          'def burn():',
          '    while True:',
          '        pass',
          '',
          'def test_burn():',
          '    for _ in range(3):',
          '        threading.Thread(target=burn, daemon=True).start()',
          '    burn()',
        ),
      },
      { cpuSeconds: 2, wallSeconds: 30 },
    );
    expect(result).toMatchObject({
      light: 'amber',
      message: 'stopped: it used more than 2 s of CPU time',
      limitHit: 'cpu',
    });
    expect(result.durationMs).toBeLessThan(30_000);
    // The output is the run's own, not the sandbox shell reporting the kill with its command line.
    expect(result.output).not.toMatch(/CPU time limit exceeded|\/bin\/bash/);
  });
});
