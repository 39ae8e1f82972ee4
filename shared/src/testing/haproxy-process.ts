import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A private HAProxy (Debian's `haproxy`) in the foreground with the configuration the test writes, the
 * balancer of a split deployment on one machine. `port` is the one its frontend binds.
 */
export class HaproxyProcess {
  private readonly output: string[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(
    readonly port: number,
    private readonly child: ChildProcess,
    private readonly directory: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
  }

  /** `env` fills the `"${VAR}"` references HAProxy expands in its configuration (deploy/haproxy.split.cfg). */
  static async start(config: string, port: number, env: Record<string, string> = {}): Promise<HaproxyProcess> {
    const directory = await mkdtemp(join(tmpdir(), 'pocdojo-haproxy-'));
    const file = join(directory, 'haproxy.cfg');
    await writeFile(file, config);
    // -db: stay in the foreground, so that the test owns the process and its exit.
    const child = spawn('haproxy', ['-db', '-f', file], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const haproxy = new HaproxyProcess(port, child, directory);
    await haproxy.waitListening();
    return haproxy;
  }

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Waits until `path` answers 200 `times` in a row: HAProxy sends traffic to a server only once its
   * health check passed, so a test waits for every server of a backend to be taken in.
   */
  async waitHealthy(path: string, times: number, timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    let inARow = 0;
    while (inARow < times) {
      if (Date.now() > until) throw new Error(`${path} not healthy through haproxy:\n${this.output.join('')}`);
      const ok = await fetch(`${this.origin}${path}`).then(
        (response) => response.ok,
        () => false,
      );
      inARow = ok ? inARow + 1 : 0;
      if (!ok) await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
    await this.exited;
    await rm(this.directory, { recursive: true, force: true });
  }

  private async waitListening(): Promise<void> {
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      if (this.child.exitCode !== null) throw new Error(`haproxy exited:\n${this.output.join('')}`);
      const accepted = await new Promise<boolean>((resolve) => {
        const socket = connect(this.port, '127.0.0.1');
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
      if (accepted) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`haproxy did not listen on ${this.port}:\n${this.output.join('')}`);
  }
}
